// Aggregate generation speed of a running `vkllm serve` with C concurrent clients (plain fetch).
// Usage: node throughput.mjs BASE_URL CLIENTS [REQUESTS_PER_CLIENT=3] [MAX_TOKENS=128]
const [base, clients, perClient = '3', maxTokens = '128'] = process.argv.slice(2);
const prompts = ['ROMEO:', 'JULIET:', 'KING HENRY:', 'MERCUTIO:', 'First Citizen:', 'HAMLET:', 'O Romeo', 'To be'];

async function client(c) {
  let tokens = 0;
  for (let r = 0; r < Number(perClient); r++) {
    const res = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: prompts[c % prompts.length], max_tokens: Number(maxTokens), temperature: 0,
                             ignore_eos: true }),
    });
    tokens += (await res.json()).usage.completion_tokens;
  }
  return tokens;
}

const start = performance.now();
const counts = await Promise.all(Array.from({ length: Number(clients) }, (_, c) => client(c)));
const seconds = (performance.now() - start) / 1000;
const total = counts.reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ clients: Number(clients), tokens: total, seconds: +seconds.toFixed(2),
                             tokens_per_second: +(total / seconds).toFixed(1) }));
