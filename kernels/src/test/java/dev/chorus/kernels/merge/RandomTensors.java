package dev.chorus.kernels.merge;

import java.util.SplittableRandom;

/** Seeded random tensors: never zeros, models close to a base as fine-tunes are. */
final class RandomTensors {

    private RandomTensors() {
    }

    static float[] normal(int length, long seed, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    /** A base ~ N(0, 1) and {@code models} tensors base + N(0, spread²). */
    static MergeInputs related(int length, int models, float spread, long seed) {
        float[] base = normal(length, seed, 1f);
        float[][] tensors = new float[models][];
        for (int m = 0; m < models; m++) {
            float[] noise = normal(length, seed * 31 + m + 1, spread);
            tensors[m] = new float[length];
            for (int i = 0; i < length; i++) {
                tensors[m][i] = base[i] + noise[i];
            }
        }
        return new MergeInputs(base, tensors, length);
    }
}
