import crypto from "node:crypto";

// Runs started without a name get a memorable one, as in MLflow ("bold-heron-417").
const adjectives = ["amber", "bold", "brave", "bright", "calm", "clever", "crisp", "daring", "eager", "fast", "gentle", "glad", "keen", "lucid", "merry", "nimble", "placid", "quick", "quiet", "rare", "shy", "silent", "sleek", "steady", "swift", "tidy", "vivid", "warm", "wise", "zesty"];
const nouns = ["otter", "heron", "lynx", "finch", "gecko", "ibis", "koala", "lark", "marten", "newt", "orca", "panda", "quail", "raven", "seal", "tapir", "vole", "wren", "yak", "zebra", "badger", "crane", "dingo", "egret", "ferret", "gull", "hare", "jay", "kiwi", "mole"];

export function randomRunName(): string {
  const pick = <T,>(xs: T[]) => xs[crypto.randomInt(xs.length)]!;
  return `${pick(adjectives)}-${pick(nouns)}-${crypto.randomInt(100, 1000)}`;
}
