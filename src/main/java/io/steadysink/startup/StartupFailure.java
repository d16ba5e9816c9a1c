package io.steadysink.startup;

import java.util.Objects;

/**
 * Start-up ends here: the exit code and the one line that says what happened and what to fix. The
 * line is the whole report: {@link StartupExit} prints it on standard error and logs it once, and
 * no stack trace goes with it (none is recorded).
 */
public final class StartupFailure extends RuntimeException {

    /** How the line of every start-up failure but a requested stop begins. */
    public static final String CANNOT_START = "steady-sink cannot start: ";

    private static final long serialVersionUID = 1L;

    private final ExitCode code;

    /** @param line one line, without line breaks: what, the variable or dependency involved, the fix */
    public StartupFailure(ExitCode code, String line) {
        super(Objects.requireNonNull(line).replace('\n', ' '), null, false, false);
        this.code = Objects.requireNonNull(code);
    }

    /** A failure whose line is {@link #CANNOT_START} followed by {@code what}. */
    public static StartupFailure cannotStart(ExitCode code, String what) {
        return new StartupFailure(code, CANNOT_START + what);
    }

    public ExitCode code() {
        return code;
    }

    public String line() {
        return getMessage();
    }
}
