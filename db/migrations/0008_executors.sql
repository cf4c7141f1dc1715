ALTER TABLE "cluster_gpu_pools" ADD COLUMN "allocated" integer;--> statement-breakpoint
ALTER TABLE "clusters" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD COLUMN "scheduler_job_id" text;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD COLUMN "scheduler_state" text;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD COLUMN "scheduler_reason" text;--> statement-breakpoint
ALTER TABLE "run_jobs" ADD COLUMN "scheduler_updated_at" timestamp with time zone;