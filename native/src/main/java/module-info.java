/** llama.cpp's CPU libraries, packed in this jar and extracted, checksummed, to a per-version cache. */
module chorus.natives {
    exports dev.chorus.natives;
}
