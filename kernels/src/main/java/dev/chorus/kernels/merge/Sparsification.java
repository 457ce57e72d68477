package dev.chorus.kernels.merge;

/** How each model's task vector (its delta from the base) is thinned before the deltas are combined. */
public enum Sparsification {
    /** Keep every delta (task arithmetic). */
    NONE,
    /** Keep the {@code density} fraction of largest magnitudes (TIES, Yadav et al. 2023). */
    MAGNITUDE,
    /** Drop the {@code gamma} fraction of largest magnitudes, then keep the next {@code density} fraction (Model Breadcrumbs, Davari and Belilovsky 2023). */
    MAGNITUDE_OUTLIERS,
    /** Keep each delta with probability {@code density} (DARE, Yu et al. 2023). */
    RANDOM
}
