import java.io.File;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.taskmanager.NettyShuffleEnvironmentConfiguration;

/**
 * Asks Flink's own classes about configuration folders, each loaded with Flink's loader (the one
 * every Flink process uses on start). One JSON object per folder and line:
 *
 * <ul>
 *   <li>{@code ConfigProbe DIR...}: what Flink read, keys sorted;
 *   <li>{@code ConfigProbe --memory DIR...}: whether a TaskManager and a JobManager start with
 *       the folder's memory settings (the memory utilities the start scripts run), and the
 *       TaskManager's network buffers;
 *   <li>{@code ConfigProbe --options DIR...}: whether Flink reads the value of the key named in
 *       the folder's file {@code key} as any option of that key (or fallback key) declared in
 *       the class path's jars, or knows no such option.
 * </ul>
 *
 * Release differences are bridged by reflection, so one compilation serves every release.
 */
public class ConfigProbe {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--memory")) {
            for (int i = 1; i < args.length; i++) {
                System.out.println(memory(GlobalConfiguration.loadConfiguration(args[i]), args[i]));
            }
            return;
        }
        if (args.length > 0 && args[0].equals("--options")) {
            Map<String, List<ConfigOption<?>>> index = optionIndex();
            for (int i = 1; i < args.length; i++) {
                Configuration config = GlobalConfiguration.loadConfiguration(args[i]);
                String key =
                        new String(
                                        Files.readAllBytes(new File(args[i], "key").toPath()),
                                        StandardCharsets.UTF_8)
                                .trim();
                System.out.println(option(config, key, index.get(key)));
            }
            return;
        }
        for (String dir : args) {
            Configuration config = GlobalConfiguration.loadConfiguration(dir);
            Map<String, String> sorted = new TreeMap<>(config.toMap());
            StringBuilder out = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(out, e.getKey());
                out.append(':');
                quote(out, e.getValue());
            }
            System.out.println(out.append('}'));
        }
    }

    /** A JSON string, ASCII only; the state probe prints with it too. */
    static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    /**
     * The network buffers a TaskManager of {@code slots} slots reserves for one all-to-all
     * exchange at {@code parallelism}, from Flink's own sizing of a streaming job's pools: each
     * sender's result partition (its minimum), and each receiver's input gate (exclusive
     * buffers for the channels from other TaskManagers, and its required floating buffers).
     */
    private static long buffersNeeded(
            NettyShuffleEnvironmentConfiguration network, int parallelism, int slots)
            throws Exception {
        Class<?> typeClass =
                Class.forName("org.apache.flink.runtime.io.network.partition.ResultPartitionType");
        Object pipelinedBounded = typeClass.getField("PIPELINED_BOUNDED").get(null);
        int perChannel = (Integer) call(network, "networkBuffersPerChannel");
        int floating = (Integer) call(network, "floatingNetworkBuffersPerGate");
        Object maxRequired = call(network, "maxRequiredBuffersPerGate");
        Method partition =
                find(
                        Class.forName("org.apache.flink.runtime.shuffle.NettyShuffleUtils"),
                        "getMinMaxNetworkBuffersPerResultPartition");
        Object[] partitionArgs =
                partition.getParameterCount() == 6
                        ? new Object[] {perChannel, floating, Integer.MAX_VALUE, 0, parallelism, pipelinedBounded}
                        : new Object[] {
                            perChannel, floating, Integer.MAX_VALUE, 0, parallelism, false, 0, pipelinedBounded
                        };
        Object minMax = partition.invoke(null, partitionArgs);
        int partitionMin = (Integer) minMax.getClass().getMethod("getLeft").invoke(minMax);
        Method gate =
                find(
                        Class.forName(
                                "org.apache.flink.runtime.io.network.partition.consumer.InputGateSpecUtils"),
                        "createGateBuffersSpec");
        Object[] gateArgs =
                gate.getParameterCount() == 5
                        ? new Object[] {maxRequired, perChannel, floating, pipelinedBounded, parallelism}
                        : new Object[] {maxRequired, perChannel, floating, pipelinedBounded, parallelism, false};
        Object spec = gate.invoke(null, gateArgs);
        int exclusive = (Integer) declared(spec, "getEffectiveExclusiveBuffersPerChannel");
        int requiredFloating = (Integer) declared(spec, "getRequiredFloatingBuffers");
        int local = Math.min(slots, parallelism);
        long remoteChannels = parallelism - local;
        return (long) local * (partitionMin + exclusive * remoteChannels + requiredFloating);
    }

    private static Object call(Object target, String name) throws Exception {
        Method m = target.getClass().getMethod(name);
        return m.invoke(target);
    }

    private static Object declared(Object target, String name) throws Exception {
        Method m = target.getClass().getDeclaredMethod(name);
        m.setAccessible(true);
        return m.invoke(target);
    }

    private static String memory(Configuration config, String dir) throws Exception {
        StringBuilder out = new StringBuilder("{");
        try {
            Configuration tm = config;
            Method legacy =
                    find(
                            TaskExecutorProcessUtils.class,
                            "getConfigurationMapLegacyTaskManagerHeapSizeToConfigOption");
            if (legacy != null) {
                tm = (Configuration) legacy.invoke(null, config, TaskManagerOptions.TOTAL_FLINK_MEMORY);
            }
            TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(tm);
            NettyShuffleEnvironmentConfiguration network =
                    NettyShuffleEnvironmentConfiguration.fromConfiguration(
                            tm, spec.getNetworkMemSize(), false, InetAddress.getLoopbackAddress());
            out.append("\"tm\":\"ok\",\"buffers\":").append(network.numNetworkBuffers());
            File exchange = new File(dir, "exchange");
            if (exchange.exists()) {
                String[] ps = Files.readString(exchange.toPath()).trim().split(" ");
                out.append(",\"needed\":")
                        .append(
                                buffersNeeded(
                                        network,
                                        Integer.parseInt(ps[0]),
                                        Integer.parseInt(ps[1])));
            }
        } catch (Throwable t) {
            out.append("\"tm\":");
            quote(out, "refused: " + cause(t));
        }
        out.append(",\"jm\":");
        try {
            Class<?> utils = Class.forName("org.apache.flink.runtime.jobmanager.JobManagerProcessUtils");
            Method legacy = find(utils, "processSpecFromConfigWithNewOptionToInterpretLegacyHeap");
            Object jvmHeap =
                    Class.forName("org.apache.flink.configuration.JobManagerOptions")
                            .getField("JVM_HEAP_MEMORY")
                            .get(null);
            if (legacy != null) {
                legacy.invoke(null, config, jvmHeap);
            } else {
                Method plain = utils.getDeclaredMethod("processSpecFromConfig", Configuration.class);
                plain.setAccessible(true);
                plain.invoke(null, config);
            }
            out.append("\"ok\"");
        } catch (Throwable t) {
            quote(out, "refused: " + cause(t));
        }
        return out.append('}').toString();
    }

    private static String option(Configuration config, String key, List<ConfigOption<?>> options) {
        StringBuilder out = new StringBuilder("{\"key\":");
        quote(out, key);
        out.append(",\"verdict\":");
        if (options == null) {
            return out.append("\"unknown\"}").toString();
        }
        String why = null;
        for (ConfigOption<?> option : options) {
            try {
                config.get(option);
                return out.append("\"accept\"}").toString();
            } catch (Throwable t) {
                why = cause(t);
            }
        }
        out.append("\"reject\",\"why\":");
        quote(out, why);
        return out.append('}').toString();
    }

    /** Every static ConfigOption of the class path's jars, by key and by fallback key. */
    private static Map<String, List<ConfigOption<?>>> optionIndex() throws Exception {
        Map<String, List<ConfigOption<?>>> index = new HashMap<>();
        byte[] needle = "org/apache/flink/configuration/ConfigOption;".getBytes(StandardCharsets.UTF_8);
        for (String path : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!path.endsWith(".jar")) {
                continue;
            }
            List<String> holders = new ArrayList<>();
            try (JarFile jar = new JarFile(path)) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    String n = e.getName();
                    if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.contains("/shaded/")) {
                        continue;
                    }
                    byte[] bytes;
                    try (InputStream in = jar.getInputStream(e)) {
                        bytes = in.readAllBytes();
                    }
                    if (indexOf(bytes, needle)) {
                        holders.add(n.substring(0, n.length() - 6).replace('/', '.'));
                    }
                }
            }
            for (String name : holders) {
                Field[] fields;
                try {
                    fields = Class.forName(name, false, ConfigProbe.class.getClassLoader()).getDeclaredFields();
                } catch (Throwable t) {
                    continue;
                }
                for (Field f : fields) {
                    if (!Modifier.isStatic(f.getModifiers()) || f.getType() != ConfigOption.class) {
                        continue;
                    }
                    ConfigOption<?> option;
                    try {
                        f.setAccessible(true);
                        option = (ConfigOption<?>) f.get(null);
                    } catch (Throwable t) {
                        continue;
                    }
                    if (option == null) {
                        continue;
                    }
                    index.computeIfAbsent(option.key(), k -> new ArrayList<>()).add(option);
                    for (Object fallback : option.fallbackKeys()) {
                        String k = (String) fallback.getClass().getMethod("getKey").invoke(fallback);
                        index.computeIfAbsent(k, x -> new ArrayList<>()).add(option);
                    }
                }
            }
        }
        return index;
    }

    private static boolean indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static Method find(Class<?> c, String name) {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        return null;
    }

    private static String cause(Throwable t) {
        if (t instanceof InvocationTargetException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
