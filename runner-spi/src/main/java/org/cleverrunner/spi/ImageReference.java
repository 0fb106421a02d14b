package org.cleverrunner.spi;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image reference as Docker's distribution library reads it ({@code ParseNormalizedNamed}): {@code name[:tag]
 * [@digest]}, the name split into the registry's domain and the repository path, Docker Hub's names normalised
 * ({@code alpine} is {@code docker.io/library/alpine}, {@code index.docker.io} is {@code docker.io}).
 *
 * <p>Only what the grammar allows gets through, so nothing from an image name can reach a shell or a path: lowercase
 * path components separated by {@code .}, {@code _}, {@code __} or dashes; a domain of host name labels (or a
 * bracketed IPv6 address) and an optional port; a tag of at most 128 word characters, dots and dashes; a digest of a
 * known algorithm with its exact length ({@code sha256:} and 64 hex digits).
 *
 * @param domain the registry: {@code docker.io}, {@code registry.gitlab.com}, {@code 127.0.0.1:5000}
 * @param path the repository within it: {@code library/alpine}, {@code octobus/heptapod}
 * @param tag the tag, or null
 * @param digest the digest ({@code sha256:…}), or null
 */
public record ImageReference(String domain, String path, String tag, String digest) {

    /** Docker Hub's canonical domain. */
    public static final String DOCKER_HUB = "docker.io";
    private static final int MAX_NAME = 255;
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*"
                    + "[a-zA-Z0-9]))*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})");

    public ImageReference {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(path, "path");
    }

    /**
     * Reads a reference, or says in a few words why it is none (for an image_pull_failure line: the reference
     * itself is the caller's to quote, made printable).
     */
    public static Parsed parse(String reference) {
        if (reference == null || reference.isEmpty()) {
            return Parsed.invalid("the reference is empty");
        }
        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                return Parsed.invalid(digest.startsWith("sha256:") || digest.startsWith("sha384:")
                        || digest.startsWith("sha512:")
                        ? "its digest is not the algorithm's hex digits of the algorithm's length"
                        : "its digest is not sha256:, sha384: or sha512: and hex digits");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                return Parsed.invalid("its tag is not 1 to 128 letters, digits, '_', '.' or '-' (not starting with"
                        + " '.' or '-')");
            }
        }
        if (rest.isEmpty()) {
            return Parsed.invalid("it names no repository");
        }
        if (rest.length() > MAX_NAME) {
            return Parsed.invalid("its name is longer than " + MAX_NAME + " characters");
        }
        String domain;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (slash < 0 || (first.indexOf('.') < 0 && first.indexOf(':') < 0 && !first.equals("localhost")
                && first.equals(first.toLowerCase(Locale.ROOT)))) {
            domain = DOCKER_HUB;
            path = rest;
        } else {
            domain = first;
            path = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) {
                return Parsed.invalid("its registry '" + domain + "' is not a host name with an optional port");
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            return Parsed.invalid("its repository name must be lowercase");
        }
        for (String component : path.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                return Parsed.invalid(component.isEmpty() ? "its repository name has an empty component"
                        : "its repository name has a component that is not lowercase letters and digits separated"
                                + " by '.', '_', '__' or '-'");
            }
        }
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        return new Parsed(Optional.of(new ImageReference(domain, path, tag, digest)), null);
    }

    /** Whether the image comes from Docker Hub. */
    public boolean isDockerHub() {
        return domain.equals(DOCKER_HUB);
    }

    /** {@code domain/path}: what registry credentials and allow-lists match. */
    public String name() {
        return domain + "/" + path;
    }

    /** The reference in full, normalised: {@code docker.io/library/alpine:3}. */
    public String canonical() {
        return withName(name());
    }

    /** The same tag and digest under another name: {@code <prefix>/library/postgres:14}. */
    public String withName(String name) {
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    @Override
    public String toString() {
        return canonical();
    }

    /** A reference, or why the text is none. */
    public record Parsed(Optional<ImageReference> reference, String problem) {
        static Parsed invalid(String problem) {
            return new Parsed(Optional.empty(), problem);
        }

        public boolean valid() {
            return reference.isPresent();
        }
    }
}
