// Embeddings through the official OpenAI JavaScript client: client.embeddings.create with its default encoding
// (base64, decoded by the client) and with encoding_format "float", and the status of a request the server refuses.
// usage: node embeddings.mjs BASE_URL MODEL REFUSED_MODEL TEXT...   (prints one JSON line)
import OpenAI from "openai";

const [baseURL, model, refused, ...input] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "chorus-test", maxRetries: 0 });

const vectors = (response) => response.data.map((entry) => Array.from(entry.embedding));
const byDefault = await client.embeddings.create({ model, input });
const floats = await client.embeddings.create({ model, input, encoding_format: "float" });
let refusedStatus = null;
try {
  await client.embeddings.create({ model: refused, input });
} catch (error) {
  refusedStatus = error.status;
}
console.log(JSON.stringify({
  model: byDefault.model,
  promptTokens: byDefault.usage.prompt_tokens,
  byDefault: vectors(byDefault),
  floats: vectors(floats),
  refusedStatus,
}));
