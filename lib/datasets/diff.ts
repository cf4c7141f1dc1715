import type { ColumnSchema, ColumnType, DatasetProfile } from "./csv-profile";

// What changed between two versions of a dataset: pure, no I/O.

export interface ColumnDiff {
  name: string;
  change: "added" | "removed" | "retyped" | "unchanged";
  typeBefore: ColumnType | null;
  typeAfter: ColumnType | null;
  meanBefore: number | null;
  meanAfter: number | null;
  /** (after − before) / std before; null when not numeric on both sides or the std is 0/unknown. */
  meanShiftStd: number | null;
  nullRateBefore: number | null;
  nullRateAfter: number | null;
}

export interface VersionDiff {
  rowCountBefore: number | null;
  rowCountAfter: number | null;
  added: string[];
  removed: string[];
  retyped: string[];
  columns: ColumnDiff[];
}

interface Side {
  rowCount: number | null;
  columns: ColumnSchema[] | null;
  profile: DatasetProfile | null;
}

function statsOf(side: Side, name: string) {
  const p = side.profile?.columns.find((c) => c.name === name);
  const rows = side.profile?.rowCount ?? side.rowCount;
  return {
    mean: p?.numeric?.mean ?? null,
    std: p?.numeric?.std ?? null,
    nullRate: p && rows ? p.nullCount / rows : null,
  };
}

export function diffVersions(before: Side, after: Side): VersionDiff {
  const beforeCols = new Map((before.columns ?? []).map((c) => [c.name, c.type]));
  const afterCols = new Map((after.columns ?? []).map((c) => [c.name, c.type]));
  const names = [...afterCols.keys(), ...[...beforeCols.keys()].filter((n) => !afterCols.has(n))];
  const columns = names.map((name): ColumnDiff => {
    const typeBefore = beforeCols.get(name) ?? null;
    const typeAfter = afterCols.get(name) ?? null;
    const change = !typeBefore ? "added" : !typeAfter ? "removed" : typeBefore !== typeAfter ? "retyped" : "unchanged";
    const b = statsOf(before, name);
    const a = statsOf(after, name);
    const meanShiftStd =
      a.mean !== null && b.mean !== null && b.std !== null && b.std > 0 ? (a.mean - b.mean) / b.std : null;
    return {
      name,
      change,
      typeBefore,
      typeAfter,
      meanBefore: typeBefore ? b.mean : null,
      meanAfter: typeAfter ? a.mean : null,
      meanShiftStd,
      nullRateBefore: typeBefore ? b.nullRate : null,
      nullRateAfter: typeAfter ? a.nullRate : null,
    };
  });
  return {
    rowCountBefore: before.rowCount,
    rowCountAfter: after.rowCount,
    added: columns.filter((c) => c.change === "added").map((c) => c.name),
    removed: columns.filter((c) => c.change === "removed").map((c) => c.name),
    retyped: columns.filter((c) => c.change === "retyped").map((c) => c.name),
    columns,
  };
}
