package org.cleverrunner.docker.internal.sources;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The payload's {@code repo_url} split into a URL that may be printed and stored ({@link #clean()}, no userinfo)
 * and the credentials it carried, which only go to git/hg through the environment or a private file.
 */
record RepoUrl(String clean, Optional<Credentials> credentials, String scheme, String host, int port) {

    /** The user and password from the URL's userinfo; never printed. */
    record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[" + username + ", " + org.cleverrunner.spi.Secret.MASK + "]";
        }
    }

    static RepoUrl parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new SourceFetchException("get_sources failed: the job has no repository URL");
        }
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            // the input may hold the token: don't echo it
            throw new SourceFetchException("get_sources failed: the repository URL is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SourceFetchException("get_sources failed: the repository URL must be http or https, not '"
                    + (scheme.isEmpty() ? "(none)" : scheme) + "'");
        }
        if (uri.getHost() == null) {
            throw new SourceFetchException("get_sources failed: the repository URL has no host");
        }
        Optional<Credentials> credentials = Optional.empty();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
            credentials = Optional.of(new Credentials(user, password));
        }
        String clean;
        try {
            clean = new URI(scheme, null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null)
                    .toASCIIString();
        } catch (URISyntaxException e) {
            throw new SourceFetchException("get_sources failed: the repository URL is not a valid URL");
        }
        return new RepoUrl(clean, credentials, scheme, uri.getHost(), uri.getPort());
    }

    /** {@code scheme://host[:port]}, the scope credentials are given for (submodules on the same host share them). */
    String origin() {
        return scheme + "://" + host + (port < 0 ? "" : ":" + port);
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return clean;
    }
}
