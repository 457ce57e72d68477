// Structured outputs through the official OpenAI JavaScript client: client.chat.completions.parse with a JSON
// schema, every answer parsed by the client and validated against the schema with Ajv.
// usage: node structured-output.mjs BASE_URL REQUESTS MODEL...   (REQUESTS seeded requests per model)
import OpenAI from "openai";
import Ajv from "ajv";

const [baseURL, perModel, ...models] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "chorus-test", maxRetries: 0 });

const verse = {
  type: "object",
  properties: {
    book: { type: "string", maxLength: 10 },
    chapter: { type: "integer", minimum: 0 },
    kind: { enum: ["law", "psalm", "code"] },
    words: { type: "array", items: { type: "string", maxLength: 8 }, minItems: 1, maxItems: 3 },
    source: {
      type: "object",
      properties: { translation: { enum: ["KJV", "ASV"] }, verified: { type: "boolean" } },
      required: ["translation", "verified"],
      additionalProperties: false,
    },
  },
  required: ["book", "chapter", "kind", "words", "source"],
  additionalProperties: false,
};
const validate = new Ajv().compile(verse);

const results = {};
for (const model of models) {
  const seeds = Array.from({ length: Number(perModel) }, (_, i) => i + 1);
  const answers = [];
  // Four at a time: the server's slots.
  for (let i = 0; i < seeds.length; i += 4) {
    answers.push(...await Promise.all(seeds.slice(i, i + 4).map(async (seed) => {
      const completion = await client.chat.completions.parse({
        model,
        messages: [{ role: "user", content: "Describe a verse as JSON." }],
        response_format: { type: "json_schema", json_schema: { name: "verse", schema: verse, strict: true } },
        temperature: 1,
        seed,
        max_tokens: 300,
      });
      const parsed = completion.choices[0].message.parsed;
      if (!validate(parsed)) {
        throw new Error(`${model} seed ${seed}: ${JSON.stringify(parsed)} fails the schema: ${JSON.stringify(validate.errors)}`);
      }
      return parsed;
    })));
  }
  results[model] = { valid: answers.length, distinct: new Set(answers.map((a) => JSON.stringify(a))).size, first: answers[0] };
}
console.log(JSON.stringify(results));
