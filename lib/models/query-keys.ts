// React Query key factory for the model registry (client and server share it).
export const modelKeys = {
  all: ["models"] as const,
  notifications: () => [...modelKeys.all, "notifications"] as const,
};

/** The sidebar's badge counts: requests awaiting the caller's decision, decisions on their requests not yet seen. */
export const notificationsUrl = "/api/v1/notifications";
