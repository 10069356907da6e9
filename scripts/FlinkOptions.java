import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Prints the configuration options of Flink distributions: every static {@code ConfigOption}
 * field of every class in a distribution's jars (lib/, opt/, plugins/), as Flink declares it.
 * Used by scripts/flink-options; it reads Flink's classes by reflection only, so one run serves
 * every release, each in a class loader of its own.
 *
 * <p>Arguments: pairs of {@code MINOR DIST_FOLDER}. Output, one option per line and version,
 * tab-separated: minor, key, type, default, fallback keys ({@code ~} marks a deprecated one).
 * A key under a {@code @Documentation.SuffixOption} prefix is printed with that prefix, whose
 * {@code <name>} part stands for any name.
 */
public class FlinkOptions {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            scan(args[i], new File(args[i + 1]));
        }
    }

    private static void scan(String minor, File dist) throws Exception {
        List<File> jars = new ArrayList<>();
        for (String dir : new String[] {"lib", "opt", "plugins"}) {
            collect(new File(dist, dir), jars);
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toURI().toURL();
        }
        TreeMap<String, TreeSet<String>> lines = new TreeMap<>();
        try (URLClassLoader loader =
                new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            Class<?> optionClass = loader.loadClass("org.apache.flink.configuration.ConfigOption");
            Method getClazz = optionClass.getDeclaredMethod("getClazz");
            Method isList = optionClass.getDeclaredMethod("isList");
            getClazz.setAccessible(true);
            isList.setAccessible(true);
            TreeSet<String> seen = new TreeSet<>();
            for (File jar : jars) {
                for (String name : optionHolders(jar)) {
                    if (!seen.add(name)) {
                        continue;
                    }
                    Class<?> holder;
                    try {
                        holder = Class.forName(name, false, loader);
                    } catch (Throwable t) {
                        continue;
                    }
                    String classPrefix = suffixPrefix(holder.getAnnotations());
                    Field[] fields;
                    try {
                        fields = holder.getDeclaredFields();
                    } catch (Throwable t) {
                        continue;
                    }
                    for (Field field : fields) {
                        if (!Modifier.isStatic(field.getModifiers())
                                || field.getType() != optionClass) {
                            continue;
                        }
                        Object option;
                        try {
                            field.setAccessible(true);
                            option = field.get(null);
                        } catch (Throwable t) {
                            continue;
                        }
                        if (option == null) {
                            continue;
                        }
                        String prefix = suffixPrefix(field.getAnnotations());
                        if (prefix == null) {
                            prefix = classPrefix;
                        }
                        String line = describe(option, prefix, getClazz, isList);
                        String key = line.substring(0, line.indexOf('\t'));
                        lines.computeIfAbsent(key, k -> new TreeSet<>()).add(line);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (TreeSet<String> forKey : lines.values()) {
            for (String line : forKey) {
                out.append(minor).append('\t').append(line).append('\n');
            }
        }
        System.out.write(out.toString().getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }

    private static void collect(File dir, List<File> jars) {
        File[] files = dir.listFiles();
        if (files == null) {
            return;
        }
        java.util.Arrays.sort(files);
        for (File f : files) {
            if (f.isDirectory()) {
                collect(f, jars);
            } else if (f.getName().endsWith(".jar")) {
                jars.add(f);
            }
        }
    }

    /** The classes of a jar whose bytecode names ConfigOption: only they can hold one. */
    private static List<String> optionHolders(File jar) throws IOException {
        List<String> names = new ArrayList<>();
        byte[] needle = "org/apache/flink/configuration/ConfigOption;".getBytes(StandardCharsets.UTF_8);
        try (JarFile file = new JarFile(jar)) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String n = e.getName();
                if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.contains("/shaded/")) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = file.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                if (contains(bytes, needle)) {
                    names.add(n.substring(0, n.length() - 6).replace('/', '.'));
                }
            }
        }
        return names;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
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

    private static String suffixPrefix(Annotation[] annotations) {
        for (Annotation a : annotations) {
            if (a.annotationType().getName().endsWith("Documentation$SuffixOption")) {
                try {
                    return (String) a.annotationType().getMethod("value").invoke(a);
                } catch (ReflectiveOperationException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String describe(Object option, String prefix, Method getClazz, Method isList)
            throws Exception {
        Class<?> c = option.getClass();
        String key = (String) c.getMethod("key").invoke(option);
        if (prefix != null) {
            key = prefix + "." + key;
        }
        Class<?> clazz = (Class<?>) getClazz.invoke(option);
        boolean list = (Boolean) isList.invoke(option);
        String type = typeName(clazz);
        if (list) {
            type = "list:" + type;
        }
        String def = "";
        if ((Boolean) c.getMethod("hasDefaultValue").invoke(option)) {
            def = "=" + value(c.getMethod("defaultValue").invoke(option));
        }
        StringJoiner fallbacks = new StringJoiner(",");
        for (Object fk : (Iterable<?>) c.getMethod("fallbackKeys").invoke(option)) {
            String k = (String) fk.getClass().getMethod("getKey").invoke(fk);
            boolean deprecated = (Boolean) fk.getClass().getMethod("isDeprecated").invoke(fk);
            fallbacks.add((deprecated ? "~" : "") + k);
        }
        return escape(key) + '\t' + type + '\t' + escape(def) + '\t' + escape(fallbacks.toString());
    }

    private static String typeName(Class<?> clazz) {
        if (clazz.isEnum()) {
            StringJoiner names = new StringJoiner("|", "enum:", "");
            for (Object constant : clazz.getEnumConstants()) {
                names.add(constant.toString());
            }
            return names.toString();
        }
        switch (clazz.getName()) {
            case "java.lang.String":
                return "string";
            case "java.lang.Boolean":
                return "bool";
            case "java.lang.Integer":
                return "int";
            case "java.lang.Long":
                return "long";
            case "java.lang.Float":
                return "float";
            case "java.lang.Double":
                return "double";
            case "java.time.Duration":
                return "duration";
            case "org.apache.flink.configuration.MemorySize":
                return "memory";
            case "java.util.Map":
                return "map";
            default:
                return "other";
        }
    }

    private static String value(Object v) throws Exception {
        if (v instanceof Duration) {
            Duration d = (Duration) v;
            return d.getNano() % 1_000_000 == 0 ? d.toMillis() + "ms" : d.toNanos() + "ns";
        }
        if (v != null && v.getClass().getName().equals("org.apache.flink.configuration.MemorySize")) {
            return v.getClass().getMethod("getBytes").invoke(v) + "b";
        }
        if (v instanceof List) {
            StringJoiner j = new StringJoiner(";");
            for (Object o : (List<?>) v) {
                j.add(value(o));
            }
            return j.toString();
        }
        if (v instanceof Map) {
            StringJoiner j = new StringJoiner(",");
            for (Map.Entry<?, ?> e : new TreeMap<>((Map<?, ?>) v).entrySet()) {
                j.add(e.getKey() + ":" + e.getValue());
            }
            return j.toString();
        }
        return String.valueOf(v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }
}
