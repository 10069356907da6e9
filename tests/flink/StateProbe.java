import java.lang.reflect.Field;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesUtils;
import org.apache.flink.runtime.highavailability.JobResultStoreOptions;

/**
 * Asks Flink's own classes what a configuration folder means for the job's state: where the
 * high-availability services keep their data, whether the REST API may cancel the job, what a
 * cancellation does to retained checkpoints, where checkpoints go, and whether the JobManager
 * exits when its job ends. One JSON object per folder given, on one line.
 */
public class StateProbe {
    public static void main(String[] args) throws Exception {
        for (String dir : args) {
            Configuration config = GlobalConfiguration.loadConfiguration(dir);
            StringBuilder out = new StringBuilder("{");
            put(out, "dir", dir);
            String haPath = null;
            if (config.contains(HighAvailabilityOptions.HA_STORAGE_PATH)) {
                haPath = HighAvailabilityServicesUtils.getClusterHighAvailableStoragePath(config)
                        .toString();
            }
            put(out, "haStoragePath", haPath);
            put(out, "haClusterId", config.get(HighAvailabilityOptions.HA_CLUSTER_ID));
            put(out, "cancelEnabled", String.valueOf(config.get(WebOptions.CANCEL_ENABLE)));
            put(out, "retention", String.valueOf(config.get(option(
                    "org.apache.flink.configuration.CheckpointingOptions",
                    "EXTERNALIZED_CHECKPOINT_RETENTION",
                    "org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions",
                    "EXTERNALIZED_CHECKPOINT"))));
            put(out, "checkpointsDir", String.valueOf(config.get(option(
                    "org.apache.flink.configuration.CheckpointingOptions",
                    "CHECKPOINTS_DIRECTORY", null, null))));
            put(out, "shutdownOnFinish",
                    String.valueOf(config.get(DeploymentOptions.SHUTDOWN_ON_APPLICATION_FINISH)));
            put(out, "deleteResultOnCommit",
                    String.valueOf(config.get(JobResultStoreOptions.DELETE_ON_COMMIT)));
            out.setLength(out.length() - 1);
            System.out.println(out.append('}'));
        }
    }

    /** An option by its field, from the first class that has it (names moved across versions). */
    private static ConfigOption<?> option(String cls, String field, String oldCls, String oldField)
            throws Exception {
        try {
            Field f = Class.forName(cls).getField(field);
            return (ConfigOption<?>) f.get(null);
        } catch (ClassNotFoundException | NoSuchFieldException e) {
            return (ConfigOption<?>) Class.forName(oldCls).getField(oldField).get(null);
        }
    }

    private static void put(StringBuilder out, String key, String value) {
        ConfigProbe.quote(out, key);
        out.append(':');
        if (value == null) {
            out.append("null");
        } else {
            ConfigProbe.quote(out, value);
        }
        out.append(',');
    }
}
