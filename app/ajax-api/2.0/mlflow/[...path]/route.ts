// MLflow's UI path for the same API.
export { DELETE, GET, POST } from "@/app/api/2.0/mlflow/[...path]/route";
