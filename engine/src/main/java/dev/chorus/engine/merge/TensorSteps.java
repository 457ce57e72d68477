package dev.chorus.engine.merge;

import dev.chorus.kernels.merge.MergeStep;

/**
 * Turns a recipe and one {@link TensorJob} into the kernels' {@link MergeStep}: each parameter is looked up
 * in the model's own parameters, then the recipe's, then mergekit's default (density 1, gamma 0.01, lambda 1,
 * normalize and rescale as the method says, passthrough's scale 1); as in mergekit, {@code weight} (linear and
 * the delta methods) and slerp's {@code t} have no default.
 */
final class TensorSteps {

    private static final double DEFAULT_GAMMA = 0.01;

    private TensorSteps() {
    }

    static MergeStep step(MergeRecipe recipe, TensorJob job, int tensorIndex) {
        MergeMethod method = recipe.method();
        int models = job.contributors().size();
        float[] weights = new float[models];
        double[] densities = new double[models];
        for (int m = 0; m < models; m++) {
            RecipeModel model = job.contributors().get(m).model();
            weights[m] = (float) (method.needsWeight() ? required(recipe, model, "weight", job)
                    : value(recipe, model, "scale", job, 1));
            densities[m] = value(recipe, model, "density", job, 1);
        }
        boolean normalize = value(recipe, null, "normalize", job, method.defaultNormalize() ? 1 : 0) != 0;
        return switch (method) {
            case LINEAR -> new MergeStep.Linear(weights, normalize);
            case PASSTHROUGH -> new MergeStep.Linear(weights, false);
            case SLERP -> new MergeStep.Slerp(recipe.parameters().value("t", job.name(), job.t())
                    .orElseThrow(() -> new IllegalArgumentException("slerp needs parameter t for " + job.name()))
                    .floatValue());
            default -> new MergeStep.DeltaMerge(weights, densities, method.sparsification(),
                    value(recipe, null, "gamma", job, DEFAULT_GAMMA),
                    value(recipe, null, "rescale", job, method.defaultRescale() ? 1 : 0) != 0, method.consensus(),
                    normalize, (float) value(recipe, null, "lambda", job, 1), recipe.seed(), tensorIndex);
        };
    }

    private static double required(MergeRecipe recipe, RecipeModel model, String parameter, TensorJob job) {
        double value = value(recipe, model, parameter, job, Double.NaN);
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException(recipe.method().id() + " needs parameter " + parameter + " for "
                    + model.path() + " (tensor " + job.name() + "): no setting of the model or the recipe matches it");
        }
        return value;
    }

    private static double value(MergeRecipe recipe, RecipeModel model, String parameter, TensorJob job, double fallback) {
        if (model != null) {
            var own = model.parameters().value(parameter, job.name(), job.t());
            if (own.isPresent()) {
                return own.get();
            }
        }
        return recipe.parameters().value(parameter, job.name(), job.t()).orElse(fallback);
    }
}
