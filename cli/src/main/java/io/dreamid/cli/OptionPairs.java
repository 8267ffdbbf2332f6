package io.dreamid.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The command lines' shape: every option is {@code --name value}; anything else is a usage error. */
final class OptionPairs {
    private OptionPairs() {
    }

    /** The (name, value) pairs of {@code args} in order. */
    static List<Map.Entry<String, String>> of(String[] args) {
        List<Map.Entry<String, String>> pairs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--")) {
                throw new UsageException("unexpected argument \"" + name + "\"");
            }
            if (i + 1 >= args.length) {
                throw new UsageException(name + " needs a value");
            }
            pairs.add(Map.entry(name, args[++i]));
        }
        return pairs;
    }
}
