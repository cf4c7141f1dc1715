export * from "./audit";
export * from "./clusters";
export * from "./datasets";
export * from "./models";
export * from "./projects";
export * from "./tokens";
export * from "./tracking";
export * from "./users";
