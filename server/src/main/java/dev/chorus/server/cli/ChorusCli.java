package dev.chorus.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code chorus} command line: one subcommand per job. */
@Command(name = "chorus", mixinStandardHelpOptions = true, versionProvider = ChorusVersion.class,
        description = "Several local LLMs served as one: logit fusion, weight merging, OpenAI-compatible serving.",
        subcommands = {DemoCommand.class, ServeCommand.class, RunCommand.class, EvalCommand.class, ModelsCommand.class, QuantizeCommand.class, MergeCommand.class, BuildNativeCommand.class, CommandLine.HelpCommand.class})
public final class ChorusCli {
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    public static void main(String[] args) {
        // One line per log record (java.util.logging's default takes two), unless the user chose a format.
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "chorus %4$s: %5$s%6$s%n");
        }
        NativeFirstRun.offer(args, System.err);
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new ChorusCli());
        // Bad input is the user's to fix: one clear line, no stack trace.
        commandLine.setExecutionExceptionHandler((failure, line, parseResult) -> {
            line.getErr().println(line.getColorScheme().errorText("chorus: " + describe(failure)));
            return 1;
        });
        return commandLine;
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.toString() : message;
    }
}
