package dev.chorus.server.cli;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufRequantizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code chorus quantize IN OUT --type Q8_0}: rewrites a GGUF model's matrices in another tensor type. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Rewrite a GGUF model with its weight matrices in another type (norms stay F32).")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "the GGUF model to read")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "the GGUF file to write (atomically)")
    Path output;

    @Option(names = "--type", defaultValue = "Q8_0",
            description = "tensor type of the matrices: F32, F16, BF16, Q8_0 or Q4_0 (default: ${DEFAULT-VALUE})")
    GgmlType type;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException("OUT must differ from IN: " + output);
        }
        Progress progress = new Progress(System.err, "quantize " + input.getFileName(), Files.size(input));
        GgufRequantizer.requantize(input, output, type, progress::update);
        progress.finish();
        System.out.println("wrote " + output + " (" + Files.size(output) + " bytes, matrices " + type + ")");
        return 0;
    }
}
