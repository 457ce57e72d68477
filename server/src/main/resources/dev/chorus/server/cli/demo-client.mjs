// The demo's client: the official OpenAI library for JavaScript, pointed at Chorus.
// usage: node demo-client.mjs BASE_URL MODEL PROMPT
import OpenAI from "openai";

const [baseURL, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "chorus-demo" });

const stream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: prompt }],
  max_tokens: 60,
  temperature: 0.7,
  top_p: 0.95,
  seed: 7,
  stream: true,
  stream_options: { include_usage: true },
});
let usage;
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
  usage = chunk.usage ?? usage;
}
process.stdout.write("\n");
if (usage) {
  console.log(`  [${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens]`);
}
