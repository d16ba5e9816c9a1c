package io.steadysink.startup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtHandler;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigValidationException;

/**
 * The exit handler of the service and of the commands: turns how the application ended into an
 * exit status and, for a failure, one line on standard error (logged once as well). It replaces
 * Quarkus's own handler, which prints a stack trace for every start-up failure and exits 1 for all
 * of them.
 * <ul>
 * <li>a {@link StartupFailure} anywhere in the cause chain: its line and its code;</li>
 * <li>a {@link ConfigurationException} or {@link ConfigValidationException}, or a failure SmallRye
 * Config reports with its {@code SRCFG} code (a setting Quarkus itself refused): its message,
 * {@link ExitCode#SETTINGS_REFUSED};</li>
 * <li>anything else: one line naming the failure, {@link ExitCode#UNEXPECTED}; the stack trace is
 * logged only at DEBUG;</li>
 * <li>no failure: the status the application returned (0 after a requested stop).</li>
 * </ul>
 */
public final class StartupExit {

    private static final Logger LOG = Logger.getLogger(StartupExit.class);
    private static final String SMALLRYE_CONFIG_CODE = "SRCFG";
    /** How SmallRye Config begins a problem that an exception reported: its class name. */
    private static final Pattern EXCEPTION_CLASS = Pattern.compile("^[\\w.$]+(Exception|Error): ");

    private StartupExit() {
    }

    /** How the process ends: its status, and the line to report ({@code null}: nothing to say). */
    record Outcome(int status, String line) {
    }

    /** The exit handler: reports and exits (Quarkus has already stopped the application). */
    public static void exit(Integer status, Throwable failure) {
        Outcome outcome = outcome(status == null ? 0 : status, failure);
        boolean logging = logConfigured();
        if (outcome.line() != null) {
            if (outcome.status() == ExitCode.STOPPED.status()) {
                if (logging) {
                    LOG.info(outcome.line());
                }
            } else {
                if (logging) {
                    LOG.error(outcome.line());
                }
                System.err.println(outcome.line());
                System.err.flush();
            }
        }
        if (failure != null && outcome.status() == ExitCode.UNEXPECTED.status() && logging) {
            LOG.debug("Stack trace of the unexpected failure", failure);
        }
        BiConsumer<Integer, Throwable> quarkus = ApplicationLifecycleManager.getDefaultExitCodeHandler();
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT && quarkus != null) {
            quarkus.accept(outcome.status(), failure); // dev mode keeps its session for the next change
        } else {
            System.exit(outcome.status());
        }
    }

    static Outcome outcome(int status, Throwable failure) {
        if (failure == null) {
            return new Outcome(status, null);
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof StartupFailure startup) {
                return new Outcome(startup.code().status(), startup.line().isEmpty() ? null : startup.line());
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConfigValidationException invalid) {
                List<String> problems = new ArrayList<>();
                for (int i = 0; i < invalid.getProblemCount(); i++) {
                    problems.add(EXCEPTION_CLASS.matcher(invalid.getProblem(i).getMessage()).replaceFirst(""));
                }
                return new Outcome(ExitCode.SETTINGS_REFUSED.status(), prefixed(String.join("; ", problems)));
            }
            if (cause instanceof ConfigurationException) {
                return new Outcome(ExitCode.SETTINGS_REFUSED.status(), prefixed(cause.getMessage()));
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // SmallRye Config's own codes: a value it could not convert before the settings were checked
            if (cause.getMessage() != null && cause.getMessage().startsWith(SMALLRYE_CONFIG_CODE)) {
                return new Outcome(ExitCode.SETTINGS_REFUSED.status(), prefixed(cause.getMessage()));
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new Outcome(ExitCode.UNEXPECTED.status(), oneLine("steady-sink failed unexpectedly: "
                + root.getClass().getName() + (root.getMessage() == null ? "" : ": " + root.getMessage())
                + " (the stack trace is logged at DEBUG: QUARKUS_LOG_CATEGORY__IO_STEADYSINK__LEVEL=DEBUG)"));
    }

    /**
     * Whether Quarkus has set up its log handlers. A failure before that (settings SmallRye Config
     * cannot convert) would otherwise be logged through the JDK's console handler, on standard error
     * next to the line itself.
     */
    private static boolean logConfigured() {
        for (Handler handler : java.util.logging.Logger.getLogger("").getHandlers()) {
            Handler[] delegates = handler instanceof ExtHandler ext ? ext.getHandlers() : new Handler[]{handler};
            for (Handler delegate : delegates) {
                if (delegate instanceof ConsoleHandler) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String prefixed(String message) {
        String text = String.valueOf(message).strip();
        return oneLine(text.startsWith(StartupFailure.CANNOT_START) ? text : StartupFailure.CANNOT_START + text);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ");
    }
}
