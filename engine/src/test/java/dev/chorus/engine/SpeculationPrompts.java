package dev.chorus.engine;

/** The speculation tests' 20 short prompts, half scripture and half Python documentation, for the two experts. */
final class SpeculationPrompts {
    static final String[] PROMPTS = {
        "In the beginning God created", "And the LORD said unto Moses", "def read_file(path):",
        "The function returns a list of", "Blessed are the meek, for", "import os\nimport sys\n",
        "And it came to pass in those days", "Return the number of elements in", "Thou shalt not",
        "class Parser:\n    def __init__(self", "The kingdom of heaven is like", "Raises ValueError if the",
        "And David said to Saul", "for line in open(", "Hear, O Israel:", "This module provides functions",
        "And Jesus answered and said", "The default value is None, which", "Let there be light", "with open(name) as f:"};

    private SpeculationPrompts() {
    }
}
