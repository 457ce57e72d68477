package dev.chorus.engine;

import java.util.List;

/** Twenty short prompts, half scripture and half Python documentation: the two experts' domains. */
public final class TestPrompts {
    public static final List<String> MIXED = List.of(
            "In the beginning God created", "And the LORD said unto Moses", "def read_file(path):",
            "The function returns a list of", "Blessed are the meek, for", "import os\nimport sys\n",
            "And it came to pass in those days", "Return the number of elements in", "Thou shalt not",
            "class Parser:\n    def __init__(self", "The kingdom of heaven is like", "Raises ValueError if the",
            "And David said to Saul", "for line in open(", "Hear, O Israel:", "This module provides functions",
            "And Jesus answered and said", "The default value is None, which", "Let there be light",
            "with open(name) as f:");

    private TestPrompts() {
    }
}
