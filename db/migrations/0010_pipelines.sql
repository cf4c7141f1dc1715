CREATE TYPE "public"."pipeline_run_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."pipeline_run_trigger" AS ENUM('dataset_version', 'schedule', 'drift_alert', 'manual', 'api');--> statement-breakpoint
CREATE TYPE "public"."pipeline_step_kind" AS ENUM('validate', 'train', 'evaluate', 'register', 'request');--> statement-breakpoint
CREATE TYPE "public"."pipeline_step_status" AS ENUM('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."pipeline_trigger_kind" AS ENUM('dataset_version', 'schedule', 'drift_alert');--> statement-breakpoint
CREATE TABLE "pipeline_run_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pipeline_run_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" "pipeline_step_kind" NOT NULL,
	"status" "pipeline_step_status" DEFAULT 'pending' NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"message" text,
	"project_id" uuid NOT NULL,
	"training_run_id" text,
	"model_version_id" uuid,
	"request_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"gates" jsonb,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "pipeline_run_steps_position_key" UNIQUE("pipeline_run_id","position")
);
--> statement-breakpoint
CREATE TABLE "pipeline_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"pipeline_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"status" "pipeline_run_status" DEFAULT 'queued' NOT NULL,
	"trigger" "pipeline_run_trigger" NOT NULL,
	"trigger_key" text,
	"trigger_detail" text NOT NULL,
	"dataset_version_id" uuid,
	"data_arrived_at" timestamp with time zone,
	"spec" jsonb NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_id" uuid NOT NULL,
	"triggered_by" uuid,
	"message" text,
	"cancelled_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipeline_runs_number_key" UNIQUE("pipeline_id","number"),
	CONSTRAINT "pipeline_runs_finished" CHECK (("pipeline_runs"."status" in ('succeeded', 'failed', 'cancelled')) = ("pipeline_runs"."finished_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "pipeline_triggers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pipeline_id" uuid NOT NULL,
	"kind" "pipeline_trigger_kind" NOT NULL,
	"cron" text,
	"cursor" text,
	"last_fired_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipeline_triggers_cron" CHECK (("pipeline_triggers"."kind" = 'schedule') = ("pipeline_triggers"."cron" is not null))
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"model_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"template" jsonb NOT NULL,
	"artifact_path" text DEFAULT 'model' NOT NULL,
	"promote_to" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"owner_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipelines_project_id_id_key" UNIQUE("project_id","id"),
	CONSTRAINT "pipelines_name_format" CHECK ("pipelines"."name" ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$'),
	CONSTRAINT "pipelines_promote_to" CHECK (jsonb_typeof("pipelines"."promote_to") = 'array')
);
--> statement-breakpoint
CREATE TABLE "scheduler_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pipeline_run_steps" ADD CONSTRAINT "pipeline_run_steps_pipeline_run_id_pipeline_runs_id_fk" FOREIGN KEY ("pipeline_run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_run_steps" ADD CONSTRAINT "pipeline_run_steps_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_run_steps" ADD CONSTRAINT "pipeline_run_steps_run_fk" FOREIGN KEY ("project_id","training_run_id") REFERENCES "public"."runs"("project_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_triggered_by_users_id_fk" FOREIGN KEY ("triggered_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD CONSTRAINT "pipeline_runs_pipeline_fk" FOREIGN KEY ("project_id","pipeline_id") REFERENCES "public"."pipelines"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_triggers" ADD CONSTRAINT "pipeline_triggers_pipeline_id_pipelines_id_fk" FOREIGN KEY ("pipeline_id") REFERENCES "public"."pipelines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_dataset_fk" FOREIGN KEY ("project_id","dataset_id") REFERENCES "public"."datasets"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pipeline_run_steps_training_run_idx" ON "pipeline_run_steps" USING btree ("training_run_id") WHERE "pipeline_run_steps"."training_run_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "pipeline_runs_trigger_key" ON "pipeline_runs" USING btree ("pipeline_id","trigger_key") WHERE "pipeline_runs"."trigger_key" is not null;--> statement-breakpoint
CREATE INDEX "pipeline_runs_active_idx" ON "pipeline_runs" USING btree ("status","created_at") WHERE "pipeline_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "pipeline_runs_pipeline_idx" ON "pipeline_runs" USING btree ("pipeline_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pipeline_triggers_kind_key" ON "pipeline_triggers" USING btree ("pipeline_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "pipelines_project_name_key" ON "pipelines" USING btree ("project_id",lower("name"));