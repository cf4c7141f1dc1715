CREATE TYPE "public"."alert_kind" AS ENUM('drift', 'performance');--> statement-breakpoint
CREATE TYPE "public"."alert_status" AS ENUM('open', 'acknowledged', 'resolved');--> statement-breakpoint
CREATE TABLE "alert_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" uuid NOT NULL,
	"event" text NOT NULL,
	"url" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" integer,
	"error" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "batch_drift" (
	"batch_id" uuid PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"drift_share" double precision NOT NULL,
	"drifted" boolean NOT NULL,
	"result" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_ingest_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"display_prefix" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "model_ingest_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "model_monitoring_configs" (
	"model_id" uuid PRIMARY KEY NOT NULL,
	"reference_dataset_version_id" uuid,
	"columns" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"webhook_url" text,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "monitoring_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"kind" "alert_kind" NOT NULL,
	"status" "alert_status" DEFAULT 'open' NOT NULL,
	"summary" text NOT NULL,
	"detail" jsonb NOT NULL,
	"occurrences" integer DEFAULT 1 NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" uuid,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolution" text
);
--> statement-breakpoint
CREATE TABLE "prediction_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"batch_id" text NOT NULL,
	"model_version_id" uuid,
	"reference_dataset_version_id" uuid,
	"rows" integer NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"token_id" uuid,
	CONSTRAINT "prediction_batches_model_batch_key" UNIQUE("model_id","batch_id")
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"model_id" uuid NOT NULL,
	"prediction_id" text NOT NULL,
	"batch_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"features" jsonb NOT NULL,
	"prediction" text NOT NULL,
	"score" double precision,
	"label" text,
	"labelled_at" timestamp with time zone,
	CONSTRAINT "predictions_model_prediction_key" UNIQUE("model_id","prediction_id")
);
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_monitoring_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."monitoring_alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "batch_drift" ADD CONSTRAINT "batch_drift_batch_id_prediction_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."prediction_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_ingest_tokens" ADD CONSTRAINT "model_ingest_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_ingest_tokens" ADD CONSTRAINT "model_ingest_tokens_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_monitoring_configs" ADD CONSTRAINT "model_monitoring_configs_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_monitoring_configs" ADD CONSTRAINT "model_monitoring_configs_reference_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("reference_dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_monitoring_configs" ADD CONSTRAINT "model_monitoring_configs_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_acknowledged_by_users_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_resolved_by_users_id_fk" FOREIGN KEY ("resolved_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "monitoring_alerts" ADD CONSTRAINT "monitoring_alerts_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_batches" ADD CONSTRAINT "prediction_batches_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_batches" ADD CONSTRAINT "prediction_batches_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_batches" ADD CONSTRAINT "prediction_batches_reference_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("reference_dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_batches" ADD CONSTRAINT "prediction_batches_token_id_model_ingest_tokens_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."model_ingest_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prediction_batches" ADD CONSTRAINT "prediction_batches_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_batch_id_prediction_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."prediction_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_deliveries_alert_idx" ON "alert_deliveries" USING btree ("alert_id","at");--> statement-breakpoint
CREATE INDEX "batch_drift_model_idx" ON "batch_drift" USING btree ("model_id","computed_at");--> statement-breakpoint
CREATE INDEX "model_ingest_tokens_model_idx" ON "model_ingest_tokens" USING btree ("model_id");--> statement-breakpoint
CREATE UNIQUE INDEX "monitoring_alerts_one_unresolved" ON "monitoring_alerts" USING btree ("model_id","kind") WHERE "monitoring_alerts"."status" <> 'resolved';--> statement-breakpoint
CREATE INDEX "monitoring_alerts_project_status_idx" ON "monitoring_alerts" USING btree ("project_id","status","opened_at");--> statement-breakpoint
CREATE INDEX "prediction_batches_model_time_idx" ON "prediction_batches" USING btree ("model_id","first_at");--> statement-breakpoint
CREATE INDEX "predictions_model_time_idx" ON "predictions" USING btree ("model_id","at");--> statement-breakpoint
CREATE INDEX "predictions_batch_idx" ON "predictions" USING btree ("batch_id");