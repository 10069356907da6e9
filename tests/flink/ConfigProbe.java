import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * Loads each configuration folder given with Flink's own loader (the one every Flink process
 * uses on start) and prints what Flink read as one JSON object per line, keys sorted.
 */
public class ConfigProbe {
    public static void main(String[] args) {
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

    private static void quote(StringBuilder out, String s) {
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
}
