import { describe, expect, it } from "vitest";
import { placeholdersOf, substituteParams } from "./placeholders";

describe("command placeholders", () => {
  it("finds {param} names once each, never shell ${VAR}", () => {
    expect(placeholdersOf('train --data "$FERRY_DATASET_PATH" --lr {lr} --x ${HOME} {lr} {epochs}')).toEqual(["lr", "epochs"]);
  });

  it("substitutes known parameters shell-quoted and leaves the rest as written", () => {
    expect(substituteParams("run --lr {lr} --name {name} --keep {unknown} ${HOME}", { lr: "0.1", name: "it's a run" })).toBe(
      "run --lr 0.1 --name 'it'\\''s a run' --keep {unknown} ${HOME}",
    );
  });
});
