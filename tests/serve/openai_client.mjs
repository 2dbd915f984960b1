// Drives `vkllm serve` with the official OpenAI client: concurrent greedy requests against
// `vkllm run`, streaming against non-streaming, logprobs, stop strings, a client that disconnects.
// Usage: node openai_client.mjs BASE_URL API_KEY REFERENCES.json
import fs from 'node:fs';
import OpenAI from 'openai';

const [base, apiKey, referencesFile] = process.argv.slice(2);
const references = JSON.parse(fs.readFileSync(referencesFile, 'utf8'));
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
const model = 'tiny';
let failures = 0;

function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${!ok && detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
}
const show = (v) => JSON.stringify(v);

async function health() {
  return (await fetch(`${base}/health`)).json();
}
async function generatedTokens() {
  const text = await (await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${apiKey}` } })).text();
  return Number(text.match(/^vkllm_generated_tokens_total (\S+)$/m)[1]);
}
async function streamedText(stream, pick) {
  let text = '', finish = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += pick(choice) ?? '';
    finish = choice.finish_reason ?? finish;
  }
  return { text, finish };
}

// 1. Eight greedy requests at once give what `vkllm run --temp 0` gives for each prompt alone.
const results = await Promise.all(references.map((r) =>
  client.completions.create({ model, prompt: r.prompt, max_tokens: r.n, temperature: 0, return_tokens: true })));
references.forEach((r, i) => {
  const choice = results[i].choices[0];
  check(choice.text === r.text && show(choice.tokens) === show(r.tokens), `concurrent greedy #${i} equals vkllm run`,
        `got ${show(choice.text)} ${show(choice.tokens)}, want ${show(r.text)} ${show(r.tokens)}`);
});

// 2. Streaming equals non-streaming: completions, chat, and seeded sampling.
for (const params of [{ temperature: 0 }, { temperature: 0.9, top_k: 50, top_p: 0.9, min_p: 0.02, seed: 1234 }]) {
  const ask = { model, prompt: 'ROMEO:', max_tokens: 40, ...params };
  const whole = await client.completions.create(ask);
  const streamed = await streamedText(await client.completions.create({ ...ask, stream: true }), (c) => c.text);
  check(streamed.text === whole.choices[0].text && streamed.finish === whole.choices[0].finish_reason,
        `completions stream equals non-stream ${show(params)}`, `${show(streamed)} vs ${show(whole.choices[0])}`);
}
{
  const ask = { model, messages: [{ role: 'system', content: 'Speak.' }, { role: 'user', content: 'Who goes there?' }],
                max_tokens: 24, temperature: 0 };
  const whole = await client.chat.completions.create(ask);
  const streamed = await streamedText(await client.chat.completions.create({ ...ask, stream: true }),
                                      (c) => c.delta?.content);
  check(whole.object === 'chat.completion' && whole.choices[0].message.role === 'assistant', 'chat response shape');
  check(streamed.text === whole.choices[0].message.content && whole.usage.completion_tokens === 24,
        'chat stream equals non-stream', `${show(streamed.text)} vs ${show(whole.choices[0].message.content)}`);
}
{
  const ask = { model, prompt: 'JULIET:', max_tokens: 30, temperature: 0.8, seed: 7 };
  const a = await client.completions.create(ask), b = await client.completions.create(ask);
  check(a.choices[0].text === b.choices[0].text, 'the same seed gives the same text');
}

// 3. Stop strings end the text just before them, streamed or not.
{
  const greedy = references[0];
  const cut = greedy.text.indexOf(',');
  const ask = { model, prompt: greedy.prompt, max_tokens: greedy.n, temperature: 0, stop: [','] };
  const whole = await client.completions.create(ask);
  const streamed = await streamedText(await client.completions.create({ ...ask, stream: true }), (c) => c.text);
  check(whole.choices[0].text === greedy.text.slice(0, cut) && whole.choices[0].finish_reason === 'stop' &&
        streamed.text === whole.choices[0].text, 'stop string', show([whole.choices[0], streamed]));
}

// 4. Log-probabilities: chat logprobs/top_logprobs, completions logprobs, llama.cpp's n_probs.
{
  const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hail' }],
                                                      max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3 });
  const content = chat.choices[0].logprobs.content;
  check(content.length === 5 && content.every((t) => t.top_logprobs.length === 3 && t.logprob <= 0 &&
        t.top_logprobs[0].logprob >= t.logprob - 1e-6), 'chat logprobs', show(content[0]));
  const completion = await client.completions.create({ model, prompt: 'ROMEO:', max_tokens: 4, temperature: 0,
                                                      logprobs: 2, n_probs: 2 });
  const lp = completion.choices[0].logprobs;
  check(lp.tokens.join('') === completion.choices[0].text && lp.token_logprobs.length === 4 &&
        Object.keys(lp.top_logprobs[0]).length === 2, 'completions logprobs', show(lp));
  const probs = completion.choices[0].completion_probabilities;
  check(probs.length === 4 && probs[0].id === references[0].tokens[0] && probs[0].top_logprobs[0].id === probs[0].id,
        'n_probs token-level output with ids', show(probs[0]));
  // Token by token: feed ids back as the prompt, one token per request.
  let ids = references[0].prompt_tokens.slice(), got = [];
  for (let i = 0; i < 4; i++) {
    const step = await client.completions.create({ model, prompt: ids, max_tokens: 1, temperature: 0, n_probs: 1 });
    const id = step.choices[0].completion_probabilities[0].id;
    got.push(id);
    ids.push(id);
  }
  check(show(got) === show(references[0].tokens.slice(0, 4)), 'token-by-token driving with id prompts', show(got));
}

// 5. A client that disconnects mid-stream frees its slot and stops its generation.
{
  const before = await generatedTokens();
  const controller = new AbortController();
  const stream = await client.completions.create(
    { model, prompt: 'ROMEO:', max_tokens: 250, temperature: 0, ignore_eos: true, stream: true },
    { signal: controller.signal });
  let chunks = 0;
  try {
    for await (const _ of stream) if (++chunks === 3) controller.abort();
  } catch (e) { /* the abort */ }
  let idle = false;
  for (let i = 0; i < 100 && !idle; i++) {
    const h = await health();
    idle = h.slots_processing === 0 && h.queue === 0;
    if (!idle) await new Promise((r) => setTimeout(r, 50));
  }
  const generated = (await generatedTokens()) - before;
  check(idle && generated < 250, 'disconnect mid-stream frees the slot',
        `idle ${idle}, generated ${generated} of 250`);
}

// 6. A wrong key is refused.
try {
  await new OpenAI({ baseURL: `${base}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list();
  check(false, 'wrong API key gets 401');
} catch (e) {
  check(e.status === 401 && e.error?.type === 'authentication_error', 'wrong API key gets 401', String(e));
}
const models = await client.models.list();
check(models.data.length === 1 && models.data[0].object === 'model', '/v1/models lists the model');

process.exit(failures ? 1 : 0);
