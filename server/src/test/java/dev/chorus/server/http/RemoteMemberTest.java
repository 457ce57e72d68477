package dev.chorus.server.http;

import dev.chorus.engine.Completion;
import dev.chorus.engine.FinishReason;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.ConfigLocation;
import dev.chorus.engine.config.RemoteSpec;
import dev.chorus.engine.remote.RemoteMember;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A remote member talking to a real Chorus server that asks for an API key. */
class RemoteMemberTest {
    private static final String KEY = "remote-member-test-key";
    private static ServedEngine served;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  kjv: { path: "{KJV}", threads: 1, context: 256, slots: 2 }
                scheduler: { fusion_backend: java }
                """, ServedEngine.loopback().withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void theKeyComesFromTheNamedEnvironmentVariableAndTheAnswerCarriesLogprobs() throws InterruptedException {
        RemoteMember member = new RemoteMember(spec("kjv", 2), Map.of("CHORUS_TEST_KEY", KEY)::get);
        Completion completion = member.submit(GenerationRequest.of(Prompt.chat(List.of(
                new Message("user", "And God said"))), 6)).await();
        assertEquals(FinishReason.LENGTH, completion.reason(), completion.toString());
        assertTrue(!completion.text().isEmpty());
        assertEquals(6, completion.usage().completionTokens());
    }

    @Test
    void aClientErrorIsNotRetriedAndNamesTheRemote() throws InterruptedException {
        RemoteMember wrongModel = new RemoteMember(spec("no-such-model", 3), Map.of("CHORUS_TEST_KEY", KEY)::get);
        Completion completion = wrongModel.submit(GenerationRequest.of(Prompt.text("In the beginning"), 4)).await();
        assertEquals(FinishReason.ERROR, completion.reason());
        String error = completion.error().orElseThrow();
        assertTrue(error.startsWith("remote 'far' at http://127.0.0.1:" + served.server().port()
                + "/v1 failed after 1 attempt: HTTP 404"), error);

        RemoteMember wrongKey = new RemoteMember(spec("kjv", 3), Map.of("CHORUS_TEST_KEY", "not-the-key")::get);
        String unauthorized = wrongKey.submit(GenerationRequest.of(Prompt.text("In the beginning"), 4)).await()
                .error().orElseThrow();
        assertTrue(unauthorized.contains("failed after 1 attempt: HTTP 401"), unauthorized);
    }

    @Test
    void aMissingKeyVariableIsRefusedAtStart() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new RemoteMember(spec("kjv", 0), Map.<String, String>of()::get));
        assertTrue(error.getMessage().contains("environment variable CHORUS_TEST_KEY (api_key_env) is not set"),
                error.getMessage());
    }

    private static RemoteSpec spec(String model, int retries) {
        return new RemoteSpec("far", URI.create("http://127.0.0.1:" + served.server().port() + "/v1"), model,
                Optional.of("CHORUS_TEST_KEY"), Duration.ofSeconds(2), Duration.ofSeconds(30), retries,
                Duration.ofMillis(10), Optional.empty(), 256, new ConfigLocation(Path.of("chorus.yaml"), 1, 1));
    }
}
