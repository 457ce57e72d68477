package dev.chorus.natives;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The llama.cpp libraries packed into this jar for one platform (under
 * {@code dev/chorus/natives/<platform>/}): each file's name and SHA-256, as listed by
 * {@code sha256sums.txt}, which {@code fetch-llama.sh} writes.
 */
record BundledLibraries(Platform platform, Map<String, String> sha256ByName, String cacheKey) {

    private static final String ROOT = "dev/chorus/natives/";

    BundledLibraries {
        if (sha256ByName.isEmpty()) {
            throw new IllegalArgumentException("no libraries listed for " + platform);
        }
        sha256ByName = Map.copyOf(sha256ByName);
    }

    /** Reads the list for {@code platform}, failing clearly when this jar has no build for it. */
    static BundledLibraries of(Platform platform) {
        String sums = readResource(platform, "sha256sums.txt");
        Map<String, String> sha256ByName = new LinkedHashMap<>();
        for (String line : sums.lines().filter(l -> !l.isBlank()).toList()) {
            // sha256sum's format: 64 hex digits, two spaces (or space and '*'), the file name.
            String[] parts = line.split("\\s+\\*?", 2);
            if (parts.length != 2 || parts[0].length() != 64 || parts[1].contains("/")) {
                throw new NativeLibraryException("malformed line in " + ROOT + platform + "/sha256sums.txt: " + line);
            }
            sha256ByName.put(parts[1], parts[0]);
        }
        return new BundledLibraries(platform, sha256ByName, shortHash(sums));
    }

    InputStream open(String name) {
        InputStream in = BundledLibraries.class.getClassLoader().getResourceAsStream(ROOT + platform + "/" + name);
        if (in == null) {
            throw new NativeLibraryException("the chorus-native jar lists " + name + " for " + platform + " but lacks the file");
        }
        return in;
    }

    private static String readResource(Platform platform, String name) {
        try (InputStream in = BundledLibraries.class.getClassLoader().getResourceAsStream(ROOT + platform + "/" + name)) {
            if (in == null) {
                throw new NativeLibraryException("the chorus-native jar has no llama.cpp libraries for " + platform
                        + " (it ships linux-x86_64); build llama.cpp v" + LlamaLibraries.VERSION
                        + " and point -D" + LlamaLibraries.DIR_PROPERTY + " or " + LlamaLibraries.DIR_ENV + " at it");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read " + ROOT + platform + "/" + name + " from the chorus-native jar", e);
        }
    }

    private static String shortHash(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)), 0, 6);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }
}
