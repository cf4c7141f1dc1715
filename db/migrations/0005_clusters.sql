CREATE TYPE "public"."cluster_executor" AS ENUM('local', 'slurm', 'kubernetes');--> statement-breakpoint
CREATE TYPE "public"."job_status" AS ENUM('queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled', 'lost');--> statement-breakpoint
CREATE SEQUENCE "public"."job_fence_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "cluster_gpu_devices" (
	"cluster_id" uuid NOT NULL,
	"gpu_type" text NOT NULL,
	"idx" integer NOT NULL,
	CONSTRAINT "cluster_gpu_devices_cluster_id_gpu_type_idx_pk" PRIMARY KEY("cluster_id","gpu_type","idx")
);
--> statement-breakpoint
CREATE TABLE "cluster_gpu_pools" (
	"cluster_id" uuid NOT NULL,
	"gpu_type" text NOT NULL,
	"total" integer NOT NULL,
	"memory_mb" integer,
	CONSTRAINT "cluster_gpu_pools_cluster_id_gpu_type_pk" PRIMARY KEY("cluster_id","gpu_type"),
	CONSTRAINT "cluster_gpu_pools_total" CHECK ("cluster_gpu_pools"."total" >= 0)
);
--> statement-breakpoint
CREATE TABLE "cluster_quotas" (
	"cluster_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"max_gpus" integer NOT NULL,
	CONSTRAINT "cluster_quotas_cluster_id_project_id_pk" PRIMARY KEY("cluster_id","project_id"),
	CONSTRAINT "cluster_quotas_nonneg" CHECK ("cluster_quotas"."max_gpus" >= 0)
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"executor" "cluster_executor" NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"cost_per_gpu_hour" double precision,
	"agent_token_hash" text,
	"agent_token_prefix" text,
	"agent_token_issued_at" timestamp with time zone,
	"agent_hostname" text,
	"agent_version" text,
	"cpus" integer,
	"memory_mb" bigint,
	"inventory_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "clusters_name_unique" UNIQUE("name"),
	CONSTRAINT "clusters_agent_token_hash_unique" UNIQUE("agent_token_hash"),
	CONSTRAINT "clusters_name_format" CHECK ("clusters"."name" ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
	CONSTRAINT "clusters_cost_nonneg" CHECK ("clusters"."cost_per_gpu_hour" is null or "clusters"."cost_per_gpu_hour" >= 0)
);
--> statement-breakpoint
CREATE TABLE "gpu_allocations" (
	"cluster_id" uuid NOT NULL,
	"gpu_type" text NOT NULL,
	"idx" integer NOT NULL,
	"run_id" text NOT NULL,
	"project_id" uuid NOT NULL,
	CONSTRAINT "gpu_allocations_cluster_id_gpu_type_idx_pk" PRIMARY KEY("cluster_id","gpu_type","idx")
);
--> statement-breakpoint
CREATE TABLE "run_jobs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"status" "job_status" DEFAULT 'queued' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "run_jobs_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"requested_cluster_id" uuid,
	"gpu_type" text,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"command" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"code_repo" text,
	"code_commit" text,
	"code_image" text,
	"dataset_version_id" uuid,
	"cluster_id" uuid,
	"gpu_indices" integer[],
	"fence" bigint,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"scheduled_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"exit_code" integer,
	"message" text,
	"cancel_requested_at" timestamp with time zone,
	"cancelled_by" uuid,
	"log_lines" bigint DEFAULT 0 NOT NULL,
	"created_by" uuid,
	CONSTRAINT "run_jobs_gpu_count" CHECK ("run_jobs"."gpu_count" between 0 and 4096),
	CONSTRAINT "run_jobs_code" CHECK ("run_jobs"."code_image" is null or "run_jobs"."code_repo" is null)
);
--> statement-breakpoint
CREATE TABLE "run_log_lines" (
	"run_id" text NOT NULL,
	"line_no" bigint NOT NULL,
	"text" text NOT NULL,
	CONSTRAINT "run_log_lines_run_id_line_no_pk" PRIMARY KEY("run_id","line_no")
);
--> statement-breakpoint
ALTER TABLE "cluster_gpu_devices" ADD CONSTRAINT "cluster_gpu_devices_pool_fk" FOREIGN KEY ("cluster_id","gpu_type") REFERENCES "public"."cluster_gpu_pools"("cluster_id","gpu_type") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_gpu_pools" ADD CONSTRAINT "cluster_gpu_pools_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_quotas" ADD CONSTRAINT "cluster_quotas_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_quotas" ADD CONSTRAINT "cluster_quotas_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clusters" ADD CONSTRAINT "clusters_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gpu_allocations" ADD CONSTRAINT "gpu_allocations_run_id_run_jobs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."run_jobs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gpu_allocations" ADD CONSTRAINT "gpu_allocations_device_fk" FOREIGN KEY ("cluster_id","gpu_type","idx") REFERENCES "public"."cluster_gpu_devices"("cluster_id","gpu_type","idx") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_requested_cluster_id_clusters_id_fk" FOREIGN KEY ("requested_cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_cancelled_by_users_id_fk" FOREIGN KEY ("cancelled_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD CONSTRAINT "run_jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_log_lines" ADD CONSTRAINT "run_log_lines_run_id_run_jobs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."run_jobs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gpu_allocations_run_idx" ON "gpu_allocations" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "run_jobs_queue_idx" ON "run_jobs" USING btree ("priority" DESC NULLS LAST,"seq") WHERE "run_jobs"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "run_jobs_cluster_status_idx" ON "run_jobs" USING btree ("cluster_id","status");--> statement-breakpoint
CREATE INDEX "run_jobs_project_finished_idx" ON "run_jobs" USING btree ("project_id","finished_at");