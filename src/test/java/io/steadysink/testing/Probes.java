package io.steadysink.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The health probes and metrics of an application under test, read the way Kubernetes and Prometheus do. */
public final class Probes {

    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"(\\w+)\"");

    private Probes() {
    }

    public static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@code started=<status> ready=<status> live=<status>}. */
    public static String statuses(URI started, URI ready, URI live) throws Exception {
        return "started=" + get(started).statusCode() + " ready=" + get(ready).statusCode() + " live="
                + get(live).statusCode();
    }

    /** The consumer state the readiness check reports, or empty before it reports one. */
    public static String state(URI ready) throws Exception {
        Matcher state = STATE.matcher(get(ready).body());
        return state.find() ? state.group(1) : "";
    }
}
