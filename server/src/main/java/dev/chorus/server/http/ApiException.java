package dev.chorus.server.http;

import dev.chorus.engine.InvalidRequest;

import java.util.Objects;

/**
 * A request that ends in an OpenAI-shaped error: {@code {"error":{"message","type","param","code"}}} with an HTTP
 * status. Thrown anywhere below a handler; {@link Router} turns it into the response.
 */
public final class ApiException extends Exception {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String param, String code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx: " + status);
        }
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.param = param;
        this.code = code;
    }

    /** 400: a field is present but its value is out of range or inconsistent with another. */
    public static ApiException invalidValue(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "invalid_value", message);
    }

    /** 400: a value the engine's rules refuse ({@code invalid_value}), naming the field. */
    public static ApiException invalid(InvalidRequest refused) {
        return new ApiException(400, "invalid_request_error", refused.param(), "invalid_value", refused.getMessage());
    }

    /** 400: a field has the wrong JSON type. */
    public static ApiException invalidType(String param, String expected) {
        return new ApiException(400, "invalid_request_error", param, "invalid_type",
                "Invalid type for '" + param + "': expected " + expected + ".");
    }

    /** 400: a required field is absent or null. */
    public static ApiException missing(String param) {
        return new ApiException(400, "invalid_request_error", param, "missing_required_parameter",
                "Missing required parameter: '" + param + "'.");
    }

    /** 400: the body is not a JSON object. */
    public static ApiException malformedBody(String detail) {
        return new ApiException(400, "invalid_request_error", null, "invalid_json",
                "The request body is not valid JSON: " + detail);
    }

    /** 404: no model or collaboration of that name is served. */
    public static ApiException unknownModel(String model) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + echo(model) + "' does not exist; GET /v1/models lists the served ones.");
    }

    /** The most characters of a client's own value an error message repeats. */
    static final int MAX_ECHO_CHARS = 64;

    /**
     * A value from the request as an error message may repeat it: at most {@link #MAX_ECHO_CHARS} characters, so
     * a megabyte-long model name costs the answer nothing.
     */
    static String echo(String value) {
        return value.length() <= MAX_ECHO_CHARS ? value
                : value.substring(0, MAX_ECHO_CHARS) + "... (" + value.length() + " characters)";
    }

    /** 429: the engine's admission queue is full; the client may retry later. */
    public static ApiException overloaded(String detail) {
        return new ApiException(429, "rate_limit_error", null, "server_overloaded",
                "The server is at capacity, retry later: " + detail);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }

    /** A machine-readable code, or null. */
    public String code() {
        return code;
    }
}
