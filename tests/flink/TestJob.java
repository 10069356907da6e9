// The streaming job the real-Flink test builds into the job image, at the fixture's jarURI and
// under the fixture's entryClass (the test writes the package and class name in). It runs until
// stopped, uses little CPU, has a keyed stage so that rescaling redistributes state, and calls
// execute() without a name, so the name Flink reports is the configuration's pipeline.name.
package PACKAGE;

import java.util.Arrays;

import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

public class CLASS {
    public static void main(String[] args) throws Exception {
        // The test reads this line from the JobManager's output: the job's own arguments.
        System.out.println("flinkform-test-job args=" + Arrays.toString(args));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new Slow())
                .keyBy(new Bucket())
                .filter(new Nothing())
                .print();
        env.execute();
    }

    public static class Slow implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(20);
            return value;
        }
    }

    public static class Bucket implements KeySelector<Long, Long> {
        @Override
        public Long getKey(Long value) {
            return value % 64;
        }
    }

    public static class Nothing implements FilterFunction<Long> {
        @Override
        public boolean filter(Long value) {
            return false;
        }
    }
}
