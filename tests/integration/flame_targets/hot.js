// Flame test target (run with --perf-basic-prof): one JS function takes most of the CPU.
function hotJavaScriptFunction(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * i) % 1000003;
  return s;
}
function coldJavaScriptFunction(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i) % 1000003;
  return s;
}
const end = Date.now() + 1000 * Number(process.argv[2] || 1e9);
let sink = 0;
while (Date.now() < end) {
  // Random order each round: the sampling timer cannot alias with a fixed-length round.
  if (Math.random() < 0.5) {
    sink += hotJavaScriptFunction(2000000);
    sink += coldJavaScriptFunction(100000);
  } else {
    sink += coldJavaScriptFunction(100000);
    sink += hotJavaScriptFunction(2000000);
  }
}
console.log(sink);
