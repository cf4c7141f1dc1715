// MLflow's UI path for the same artifact proxy.
export { GET, PUT } from "@/app/api/2.0/mlflow-artifacts/artifacts/[[...path]]/route";
