package dev.chorus.engine.remote;

/** A remote call that did not produce an answer; the message names the remote and the last failure. */
final class RemoteFailure extends RuntimeException {
    RemoteFailure(String message) {
        super(message);
    }
}
