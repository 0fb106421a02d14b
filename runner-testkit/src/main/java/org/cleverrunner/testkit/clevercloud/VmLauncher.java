package org.cleverrunner.testkit.clevercloud;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts the "VM" of a deployment once its instance has booted ({@code bootTime} after the push).
 *
 * <p>Called on a simulator thread, at most once per deployment; it may block (the instance stays
 * {@code DEPLOYING} meanwhile). Throwing fails the deployment ({@code FAIL}) and deletes the instance.
 */
@FunctionalInterface
public interface VmLauncher {

    /**
     * @param app      a snapshot of the application being deployed
     * @param env      the application's environment plus what Clever Cloud injects
     *                 ({@code APP_ID, INSTANCE_ID, INSTANCE_NUMBER, INSTANCE_TYPE, COMMIT_ID, PORT})
     * @param checkout a working tree of the deployed commit (deleted with the application)
     */
    VmHandle launch(SimulatedApplication app, Map<String, String> env, Path checkout) throws Exception;

    /** A launcher for tests that need no VM: the endpoint is a dummy {@code http://127.0.0.1:9/} (discard port). */
    static VmLauncher dummy() {
        return (app, env, checkout) -> new VmHandle() {
            @Override
            public URI endpoint() {
                return URI.create("http://127.0.0.1:9/");
            }

            @Override
            public void stop() {
            }
        };
    }
}
