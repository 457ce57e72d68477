package dev.chorus.kernels.fusion.cpu;

import static dev.chorus.kernels.fusion.cpu.VectorRows.LANES;
import static dev.chorus.kernels.fusion.cpu.VectorRows.SPECIES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The n largest values of a row, descending, ties by lower index: one pass that only leaves the vector
 * path for lanes beating the current n-th best.
 */
final class TopTokens {

    private final int[] tokens;
    private final float[] values;
    private int count;

    TopTokens(int capacity) {
        tokens = new int[capacity];
        values = new float[capacity];
    }

    /** Selects the {@code min(wanted, n)} largest of {@code row[0 .. n − 1]}. */
    void select(float[] row, int n, int wanted) {
        count = 0;
        if (wanted == 0) {
            return;
        }
        for (int i = 0; i < n; i += LANES) {
            if (count < wanted) {
                for (int lane = 0; lane < LANES && i + lane < n; lane++) {
                    offer(i + lane, row[i + lane], wanted);
                }
                continue;
            }
            VectorMask<Float> better = FloatVector.fromArray(SPECIES, row, i)
                    .compare(VectorOperators.GT, values[wanted - 1]);
            if (better.anyTrue()) {
                for (int lane = 0; lane < LANES && i + lane < n; lane++) {
                    if (better.laneIsSet(lane)) {
                        offer(i + lane, row[i + lane], wanted);
                    }
                }
            }
        }
    }

    /** Inserts (token, value) if it beats the n-th best; a later token never displaces an equal earlier one. */
    private void offer(int token, float value, int wanted) {
        if (count == wanted && !(value > values[count - 1])) {
            return;
        }
        int position = count == wanted ? count - 1 : count++;
        while (position > 0 && value > values[position - 1]) {
            tokens[position] = tokens[position - 1];
            values[position] = values[position - 1];
            position--;
        }
        tokens[position] = token;
        values[position] = value;
    }

    int count() {
        return count;
    }

    int token(int j) {
        return tokens[j];
    }

    float value(int j) {
        return values[j];
    }
}
