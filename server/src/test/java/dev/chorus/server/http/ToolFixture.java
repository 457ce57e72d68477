package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the tool-calling tests share: the engine they call, and the function they offer, {@code get_weather(city)}
 * with the city an enum, so each client (openai-java, LangChain4j) declares the same schema and its calls are
 * checked by one rule.
 */
final class ToolFixture {
    static final String NAME = "get_weather";
    static final String DESCRIPTION = "The weather in a city";

    /** The schema's enum of cities. */
    enum City { Jerusalem, Babylon, Nineveh }

    private ToolFixture() {
    }

    /**
     * The engine on loopback: {@code kjv}, {@code pydocs} and their fused ensemble {@code pair}, with a context
     * that holds the tool preamble.
     */
    static ServedEngine serve(Path folder) {
        return ServedEngine.start(folder, """
                models:
                  kjv:    { path: {KJV}, threads: 1, context: 512, slots: 1 }
                  pydocs: { path: {PYDOCS}, threads: 1, context: 512, slots: 1 }
                collaborations:
                  pair: { kind: ensemble, method: linear, members: [ {model: kjv, weight: 0.5}, {model: pydocs, weight: 0.5} ] }
                """, ServedEngine.loopback());
    }

    static List<String> cities() {
        return Arrays.stream(City.values()).map(City::name).toList();
    }

    /** What the tool answers, run in the test as a client would run it. */
    static String forecast(City city) {
        return city == City.Nineveh ? "Cold and wet." : "Hot and dry.";
    }

    /** The arguments are a JSON object holding exactly one of the schema's cities, which is returned. */
    static City assertCityArguments(String arguments) {
        JsonNode parsed = HttpProbe.json(arguments);
        assertEquals(1, parsed.size(), arguments);
        assertTrue(parsed.path("city").isTextual(), arguments);
        assertTrue(cities().contains(parsed.get("city").textValue()), arguments);
        return City.valueOf(parsed.get("city").textValue());
    }
}
