// Page URLs of the model registry, in one place for pages, actions and links.
export const modelsUrl = (slug: string) => `/projects/${slug}/models`;
export const modelUrl = (slug: string, name: string) => `/projects/${slug}/models/${encodeURIComponent(name)}`;
export const versionUrl = (slug: string, name: string, version: number) => `${modelUrl(slug, name)}/versions/${version}`;
export const requestUrl = (slug: string, name: string, id: string) => `${modelUrl(slug, name)}/requests/${id}`;
export const approvalsUrl = "/approvals";
