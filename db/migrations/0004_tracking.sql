CREATE TYPE "public"."lifecycle_stage" AS ENUM('active', 'deleted');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED');--> statement-breakpoint
CREATE TABLE "metric_points" (
	"series_id" integer NOT NULL,
	"step" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	"value" double precision NOT NULL,
	CONSTRAINT "metric_points_series_id_step_timestamp_value_pk" PRIMARY KEY("series_id","step","timestamp","value")
);
--> statement-breakpoint
CREATE TABLE "metric_series" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "metric_series_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"project_id" uuid NOT NULL,
	"key" text NOT NULL,
	"latest_value" double precision NOT NULL,
	"first_value" double precision NOT NULL,
	"first_step" bigint NOT NULL,
	"first_timestamp" bigint NOT NULL,
	"latest_step" bigint NOT NULL,
	"latest_timestamp" bigint NOT NULL,
	"point_count" bigint DEFAULT 0 NOT NULL,
	"min_value" double precision,
	"max_value" double precision,
	"min_step" bigint NOT NULL,
	"max_step" bigint NOT NULL,
	"min_timestamp" bigint NOT NULL,
	"max_timestamp" bigint NOT NULL,
	CONSTRAINT "metric_series_run_key_key" UNIQUE("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "metric_tiles" (
	"series_id" integer NOT NULL,
	"level" smallint NOT NULL,
	"tile" bigint NOT NULL,
	"min_point" double precision[],
	"max_point" double precision[],
	CONSTRAINT "metric_tiles_series_id_level_tile_pk" PRIMARY KEY("series_id","level","tile")
);
--> statement-breakpoint
CREATE TABLE "run_inputs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" text NOT NULL,
	"name" text NOT NULL,
	"digest" text NOT NULL,
	"source_type" text NOT NULL,
	"source" text NOT NULL,
	"schema" text,
	"profile" text,
	"context" text,
	"dataset_version_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_inputs_run_dataset_key" UNIQUE("run_id","name","digest")
);
--> statement-breakpoint
CREATE TABLE "run_params" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_params_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "run_tags" (
	"run_id" text NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "run_tags_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE TABLE "run_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "run_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" "run_status" DEFAULT 'RUNNING' NOT NULL,
	"lifecycle_stage" "lifecycle_stage" DEFAULT 'active' NOT NULL,
	"user_id" uuid,
	"start_time" bigint NOT NULL,
	"end_time" bigint,
	"deleted_time" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_project_id_id_key" UNIQUE("project_id","id"),
	CONSTRAINT "runs_id_format" CHECK ("runs"."id" ~ '^[0-9a-f]{32}$')
);
--> statement-breakpoint
ALTER TABLE "metric_points" ADD CONSTRAINT "metric_points_series_id_metric_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."metric_series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metric_series" ADD CONSTRAINT "metric_series_run_fk" FOREIGN KEY ("project_id","run_id") REFERENCES "public"."runs"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metric_tiles" ADD CONSTRAINT "metric_tiles_series_id_metric_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."metric_series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_inputs" ADD CONSTRAINT "run_inputs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_params" ADD CONSTRAINT "run_params_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tags" ADD CONSTRAINT "run_tags_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_tokens" ADD CONSTRAINT "run_tokens_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "metric_series_project_key_value_idx" ON "metric_series" USING btree ("project_id","key","latest_value");--> statement-breakpoint
CREATE INDEX "run_inputs_dataset_version_idx" ON "run_inputs" USING btree ("dataset_version_id");--> statement-breakpoint
CREATE INDEX "run_params_key_value_idx" ON "run_params" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "run_tags_key_value_idx" ON "run_tags" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "run_tokens_run_idx" ON "run_tokens" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "runs_project_start_idx" ON "runs" USING btree ("project_id","start_time" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "runs_project_name_idx" ON "runs" USING btree ("project_id","name");