package org.cleverrunner.docker.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cleverrunner.spi.PlanRules;

/**
 * The network names of a service, as GitLab gives them: the explicit aliases, then the names derived from the
 * image: {@code octobus/heptapod:1} gives {@code octobus-heptapod} and {@code octobus__heptapod}. Anything that is
 * not a valid DNS label is dropped, so a hostile alias never reaches Docker.
 */
public final class ServiceAliases {


    private ServiceAliases() {
    }

    public static List<String> of(String image, List<String> explicit, List<String> rejected) {
        Set<String> names = new LinkedHashSet<>();
        for (String alias : explicit) {
            if (PlanRules.isHostName(alias)) {
                names.add(alias);
            } else {
                rejected.add(alias);
            }
        }
        String repository = withoutTagOrDigest(withoutRegistryPort(image));
        for (String derived : List.of(repository.replace('/', '-'), repository.replace("/", "__"))) {
            if (PlanRules.isHostName(derived)) {
                names.add(derived);
            }
        }
        return new ArrayList<>(names);
    }

    private static String withoutTagOrDigest(String image) {
        int at = image.indexOf('@');
        String name = at >= 0 ? image.substring(0, at) : image;
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash ? name.substring(0, colon) : name;
    }

    /** GitLab keeps the registry host in derived names but drops its port. */
    private static String withoutRegistryPort(String image) {
        int slash = image.indexOf('/');
        if (slash > 0) {
            String first = image.substring(0, slash);
            int colon = first.indexOf(':');
            if (colon > 0) {
                return first.substring(0, colon) + image.substring(slash);
            }
        }
        return image;
    }
}
