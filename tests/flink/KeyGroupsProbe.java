// Does a job restore its keyed state when its parallelism changes and the job sets no maximum
// parallelism? Runs a keyed job on a local MiniCluster at parallelism 4 (Flink derives 128 key
// groups), cancels it with its checkpoint retained, then starts the same job from that
// checkpoint at each parallelism given, and prints one JSON line per start: whether it runs
// (and checkpoints again) or fails, and why. With `--max-parallelism N` the restarted job sets
// its maximum parallelism explicitly; with `--adaptive` it runs under the adaptive scheduler
// (reactive mode's), with restarts allowed, at the parallelism its slots give.
//
//   java KeyGroupsProbe WORK [--max-parallelism N] [--adaptive] PARALLELISM...
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.ReduceFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

public class KeyGroupsProbe {
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int explicitMax = -1;
        boolean adaptive = false;
        List<Integer> parallelisms = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--max-parallelism")) {
                explicitMax = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--adaptive")) {
                adaptive = true;
            } else {
                parallelisms.add(Integer.parseInt(args[i]));
            }
        }
        Path checkpoints = work.resolve("checkpoints");
        JobClient first = start(4, -1, false, checkpoints, null);
        Path firstDir = checkpoints.resolve(first.getJobID().toString());
        waitForCheckpoint(firstDir, 60);
        first.cancel().get();
        // A newer checkpoint may complete (and subsume the one seen) until the job is gone:
        // the retained one is the latest after it.
        while (true) {
            try {
                if (first.getJobStatus().get().isGloballyTerminalState()) {
                    break;
                }
            } catch (Exception gone) {
                break;
            }
            Thread.sleep(100);
        }
        Path retained = latest(firstDir);
        for (int parallelism : parallelisms) {
            JobClient job;
            try {
                job = start(parallelism, explicitMax, adaptive, checkpoints, retained);
            } catch (Exception e) {
                // A restore the JobMaster refuses fails the submission itself.
                print(parallelism, "failed", rootMessage(e));
                continue;
            }
            Path own = checkpoints.resolve(job.getJobID().toString());
            String outcome = "timeout";
            String cause = "";
            long deadline = System.currentTimeMillis() + 90_000;
            while (System.currentTimeMillis() < deadline) {
                JobStatus status;
                try {
                    status = job.getJobStatus().get();
                } catch (Exception e) {
                    // The local cluster of a job that failed for good is gone already.
                    outcome = "failed";
                    try {
                        job.getJobExecutionResult().get();
                    } catch (Exception failure) {
                        cause = rootMessage(failure);
                    }
                    break;
                }
                if (status.isGloballyTerminalState()) {
                    outcome = "failed";
                    try {
                        job.getJobExecutionResult().get();
                    } catch (Exception e) {
                        cause = rootMessage(e);
                    }
                    break;
                }
                if (status == JobStatus.RUNNING && latest(own) != null) {
                    outcome = "running";
                    job.cancel().get();
                    break;
                }
                Thread.sleep(200);
            }
            print(parallelism, outcome, cause);
        }
        System.exit(0);
    }

    static void print(int parallelism, String outcome, String cause) {
        System.out.println("{\"parallelism\": " + parallelism + ", \"outcome\": \"" + outcome
                + "\", \"cause\": \"" + json(cause) + "\"}");
    }

    static JobClient start(
            int parallelism, int maxParallelism, boolean adaptive, Path checkpoints, Path restore)
            throws Exception {
        Map<String, String> conf = new HashMap<>();
        conf.put("execution.checkpointing.interval", "300 ms");
        conf.put("state.checkpoints.dir", checkpoints.toUri().toString());
        conf.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        if (adaptive) {
            // Restarts allowed: a failure the scheduler could recover from would be recovered.
            conf.put("jobmanager.scheduler", "adaptive");
            conf.put("restart-strategy.type", "fixed-delay");
            conf.put("restart-strategy.fixed-delay.attempts", "3");
            conf.put("restart-strategy.fixed-delay.delay", "1 s");
        } else {
            conf.put("restart-strategy.type", "none");
        }
        conf.put("taskmanager.memory.network.max", "256 mb");
        if (restore != null) {
            conf.put("execution.savepoint.path", restore.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                parallelism, Configuration.fromMap(conf));
        if (maxParallelism > 0) {
            env.setMaxParallelism(maxParallelism);
        }
        // One source task feeds the keyed stage, so a high parallelism needs few channels.
        env.fromSequence(0, Long.MAX_VALUE).setParallelism(1).uid("source")
                .map(new Slow()).setParallelism(1).uid("slow")
                .keyBy(new Bucket())
                .reduce(new Sum()).uid("keyed")
                .filter(new Nothing()).uid("nothing")
                .print().uid("sink");
        return env.executeAsync("key-groups");
    }

    static Path waitForCheckpoint(Path dir, int seconds) throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            Path found = latest(dir);
            if (found != null) {
                return found;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no completed checkpoint in " + dir);
    }

    /** The newest `chk-N` folder of a job that holds its `_metadata`. */
    static Path latest(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> new File(p.toFile(), "_metadata").isFile())
                    .max((a, b) -> Integer.compare(number(a), number(b)))
                    .orElse(null);
        }
    }

    static int number(Path chk) {
        return Integer.parseInt(chk.getFileName().toString().substring(4));
    }

    static String rootMessage(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public static class Slow implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(5);
            return value;
        }
    }

    public static class Bucket implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long value) {
            return value % 64;
        }
    }

    /** Keyed state: a running sum per key, which a restore must split into key groups. */
    public static class Sum implements ReduceFunction<Long> {
        @Override
        public Long reduce(Long a, Long b) {
            return a + b;
        }
    }

    public static class Nothing implements FilterFunction<Long> {
        @Override
        public boolean filter(Long value) {
            return false;
        }
    }
}
