package io.steadysink;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;

/**
 * The service: runs once start-up is done until a stop is requested (SIGTERM, SIGINT), then returns
 * 0. Being a {@link QuarkusApplication} lets {@link SteadySinkMain} pass its own exit handler.
 */
public class SteadySinkService implements QuarkusApplication {

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
