package org.cleverrunner.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One owner of a runner's state: the journal's lock, within a process and across processes. */
class JournalLockTest {

    @TempDir
    Path dir;

    @Test
    void theLockIsHeldUntilReleasedAndNamesItsHolder() throws Exception {
        Path journal = dir.resolve("journal.json");
        JournalLock.Attempt first = JournalLock.tryAcquire(journal);
        assertThat(first).isInstanceOf(JournalLock.Acquired.class);
        JournalLock lock = ((JournalLock.Acquired) first).lock();
        assertThat(lock.file()).isEqualTo(dir.resolve("journal.json.lock"));
        long self = ProcessHandle.current().pid();
        assertThat(Files.readString(lock.file()).trim()).isEqualTo(Long.toString(self));

        JournalLock.Attempt second = JournalLock.tryAcquire(journal);
        assertThat(second).isInstanceOf(JournalLock.Held.class);
        assertThat(((JournalLock.Held) second).holder()).isEqualTo("pid " + self);

        lock.close();
        JournalLock.Attempt third = JournalLock.tryAcquire(journal);
        assertThat(third).isInstanceOf(JournalLock.Acquired.class);
        ((JournalLock.Acquired) third).lock().close();
    }

    @Test
    void aStaleLockFileOfADeadProcessDoesNotBlock() throws Exception {
        Path journal = dir.resolve("journal.json");
        Files.writeString(dir.resolve("journal.json.lock"), "999999999\n");

        JournalLock.Attempt attempt = JournalLock.tryAcquire(journal);

        assertThat(attempt).isInstanceOf(JournalLock.Acquired.class);
        JournalLock lock = ((JournalLock.Acquired) attempt).lock();
        assertThat(Files.readString(lock.file()).trim()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        lock.close();
    }

    @Test
    void anotherProcessHoldingTheLockIsNamedAndItsDeathFreesIt() throws Exception {
        Path journal = dir.resolve("journal.json");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Holder.class.getName(), journal.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            JournalLock.Attempt attempt = JournalLock.tryAcquire(journal);

            assertThat(attempt).isInstanceOf(JournalLock.Held.class);
            assertThat(((JournalLock.Held) attempt).holder()).isEqualTo("pid " + holder.pid());
            assertThat(new JournalLock.HeldException(journal, (JournalLock.Held) attempt).getMessage())
                    .contains("pid " + holder.pid(), journal.toString());
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        JournalLock.Attempt after = JournalLock.tryAcquire(journal);
        assertThat(after).as("the OS dropped the killed process's lock").isInstanceOf(JournalLock.Acquired.class);
        ((JournalLock.Acquired) after).lock().close();
    }

    /** Takes the lock, says so, and holds it until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            JournalLock.Attempt attempt = JournalLock.tryAcquire(Path.of(args[0]));
            System.out.println(attempt instanceof JournalLock.Acquired ? "locked" : "held");
            System.out.flush();
            Thread.sleep(120_000);
        }
    }
}
