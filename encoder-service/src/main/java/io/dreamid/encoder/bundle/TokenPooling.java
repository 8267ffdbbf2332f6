package io.dreamid.encoder.bundle;

/** How one token vector is taken from a tapped layer's hidden state (tokens x width). */
public enum TokenPooling {
    /** The first token: the backbone prepends a class token. */
    CLS,
    /** The mean over every token the layer outputs (class token included, if the backbone has one). */
    MEAN;

    /** The name used in {@code encoder.json}. */
    public String jsonName() {
        return name().toLowerCase();
    }
}
