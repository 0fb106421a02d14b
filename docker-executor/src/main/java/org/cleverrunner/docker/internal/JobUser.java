package org.cleverrunner.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numeric user and group the job's containers run as, resolved as the Engine resolves {@code User}: numbers as
 * they are, names through the image's own /etc/passwd and /etc/group (read through the archive API of the created
 * container, so it works through the gateway too).
 */
final class JobUser {

    private static final Logger LOG = LoggerFactory.getLogger(JobUser.class);

    /** A numeric owner for the files put in the build volume. */
    record Owner(int uid, int gid) {
        static final Owner ROOT = new Owner(0, 0);

        boolean isRoot() {
            return uid == 0 && gid == 0;
        }
    }

    private JobUser() {
    }

    /**
     * @param user the container's user: empty (root), {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}
     * @return the owner, root when the user is empty or cannot be resolved (the Engine then refuses to start the
     *     container, with its own message)
     */
    static Owner resolve(DockerClient docker, String containerId, String user) {
        if (user == null || user.isBlank()) {
            return Owner.ROOT;
        }
        String[] parts = user.strip().split(":", 2);
        String name = parts[0];
        String group = parts.length > 1 ? parts[1] : null;
        Integer uid = number(name);
        Integer gid = group == null ? null : number(group);
        List<String[]> passwd = null;
        if (uid == null || gid == null && group == null) {
            passwd = entries(read(docker, containerId, "/etc/passwd"));
            for (String[] entry : passwd) {
                if (entry.length >= 4 && (uid == null ? entry[0].equals(name) : uid.equals(number(entry[2])))) {
                    uid = number(entry[2]);
                    if (group == null) {
                        gid = number(entry[3]);
                    }
                    break;
                }
            }
        }
        if (gid == null && group != null) {
            for (String[] entry : entries(read(docker, containerId, "/etc/group"))) {
                if (entry.length >= 3 && entry[0].equals(group)) {
                    gid = number(entry[2]);
                    break;
                }
            }
        }
        if (uid == null || group != null && gid == null) {
            return Owner.ROOT;
        }
        // a numeric user without a passwd entry runs with group 0, as the Engine does
        return new Owner(uid, gid == null ? 0 : gid);
    }

    private static Integer number(String text) {
        if (text == null || text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long value = Long.parseLong(text);
        return value > Integer.MAX_VALUE ? null : (int) value;
    }

    private static List<String[]> entries(String file) {
        return file.lines().filter(line -> !line.startsWith("#")).map(line -> line.split(":", -1)).toList();
    }

    /** A small file of the container's image, or "" when it has none. */
    private static String read(DockerClient docker, String containerId, String path) {
        try (InputStream in = docker.copyArchiveFromContainerCmd(containerId, path).exec();
                TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            if (tar.getNextEntry() == null) {
                return "";
            }
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            // passwd files are small; a huge one is not read whole
            while ((n = tar.read(buffer)) > 0 && content.size() < 1 << 20) {
                content.write(buffer, 0, n);
            }
            return content.toString(StandardCharsets.UTF_8);
        } catch (NotFoundException e) {
            return "";
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read {} of {}: {}", path, containerId, e.toString());
            return "";
        }
    }
}
