CREATE TYPE "public"."deployment_kind" AS ENUM('promotion', 'rollback');--> statement-breakpoint
CREATE TYPE "public"."model_environment" AS ENUM('staging', 'production');--> statement-breakpoint
CREATE TYPE "public"."promotion_status" AS ENUM('pending', 'blocked', 'approved', 'rejected', 'void');--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"environment" "model_environment" NOT NULL,
	"version_id" uuid NOT NULL,
	"kind" "deployment_kind" NOT NULL,
	"request_id" uuid,
	"previous_id" uuid,
	"reason" text NOT NULL,
	"actor_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "deployments_rollback_has_no_request" CHECK ("deployments"."kind" <> 'rollback' or "deployments"."request_id" is null)
);
--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"model_id" uuid NOT NULL,
	"alias" text NOT NULL,
	"version_id" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_aliases_model_id_alias_pk" PRIMARY KEY("model_id","alias")
);
--> statement-breakpoint
CREATE TABLE "model_gate_rules" (
	"model_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"min_value" double precision,
	"max_drop" double precision,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_gate_rules_model_id_metric_pk" PRIMARY KEY("model_id","metric"),
	CONSTRAINT "model_gate_rules_some_rule" CHECK ("model_gate_rules"."min_value" is not null or "model_gate_rules"."max_drop" is not null),
	CONSTRAINT "model_gate_rules_max_drop_nonneg" CHECK ("model_gate_rules"."max_drop" is null or "model_gate_rules"."max_drop" >= 0)
);
--> statement-breakpoint
CREATE TABLE "model_version_tags" (
	"version_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "model_version_tags_version_id_key_pk" PRIMARY KEY("version_id","key")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"run_id" text NOT NULL,
	"source" text NOT NULL,
	"artifact_path" text NOT NULL,
	"artifact_digest" text,
	"artifact_files" integer DEFAULT 0 NOT NULL,
	"run_link" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_model_version_key" UNIQUE("model_id","version"),
	CONSTRAINT "model_versions_model_id_key" UNIQUE("model_id","id"),
	CONSTRAINT "model_versions_version_positive" CHECK ("model_versions"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "promotion_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"environment" "model_environment" NOT NULL,
	"justification" text NOT NULL,
	"status" "promotion_status" NOT NULL,
	"gates" jsonb NOT NULL,
	"gates_passed" boolean NOT NULL,
	"artifact_digest" text,
	"requested_by" uuid NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"overridden_by" uuid,
	"overridden_at" timestamp with time zone,
	"override_reason" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"void_reason" text,
	"requester_seen_at" timestamp with time zone,
	CONSTRAINT "promotion_requests_four_eyes" CHECK ("promotion_requests"."decided_by" is null or "promotion_requests"."decided_by" <> "promotion_requests"."requested_by"),
	CONSTRAINT "promotion_requests_decision_complete" CHECK (("promotion_requests"."status" in ('approved', 'rejected')) = ("promotion_requests"."decided_by" is not null and "promotion_requests"."decided_at" is not null and coalesce(length("promotion_requests"."decision_reason"), 0) > 0)),
	CONSTRAINT "promotion_requests_blocked_means_failed_gates" CHECK ("promotion_requests"."status" <> 'blocked' or not "promotion_requests"."gates_passed"),
	CONSTRAINT "promotion_requests_approval_needs_gates" CHECK ("promotion_requests"."status" <> 'approved' or "promotion_requests"."gates_passed" or ("promotion_requests"."overridden_by" is not null and coalesce(length("promotion_requests"."override_reason"), 0) > 0))
);
--> statement-breakpoint
CREATE TABLE "registered_model_tags" (
	"model_id" uuid NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "registered_model_tags_model_id_key_pk" PRIMARY KEY("model_id","key")
);
--> statement-breakpoint
CREATE TABLE "registered_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "registered_models_project_id_id_key" UNIQUE("project_id","id"),
	CONSTRAINT "registered_models_name_key" UNIQUE("name"),
	CONSTRAINT "registered_models_name_format" CHECK ("registered_models"."name" ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' and "registered_models"."name" not like '%..%')
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_request_id_promotion_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."promotion_requests"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_version_fk" FOREIGN KEY ("model_id","version_id") REFERENCES "public"."model_versions"("model_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_previous_fk" FOREIGN KEY ("previous_id") REFERENCES "public"."deployments"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_version_fk" FOREIGN KEY ("model_id","version_id") REFERENCES "public"."model_versions"("model_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_gate_rules" ADD CONSTRAINT "model_gate_rules_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_gate_rules" ADD CONSTRAINT "model_gate_rules_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_version_tags" ADD CONSTRAINT "model_version_tags_version_id_model_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_run_fk" FOREIGN KEY ("project_id","run_id") REFERENCES "public"."runs"("project_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_overridden_by_users_id_fk" FOREIGN KEY ("overridden_by") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_version_fk" FOREIGN KEY ("model_id","version_id") REFERENCES "public"."model_versions"("model_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "promotion_requests" ADD CONSTRAINT "promotion_requests_model_fk" FOREIGN KEY ("project_id","model_id") REFERENCES "public"."registered_models"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_model_tags" ADD CONSTRAINT "registered_model_tags_model_id_registered_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."registered_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registered_models" ADD CONSTRAINT "registered_models_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_request_key" ON "deployments" USING btree ("request_id");--> statement-breakpoint
CREATE UNIQUE INDEX "deployments_current_key" ON "deployments" USING btree ("model_id","environment") WHERE "deployments"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "deployments_history_idx" ON "deployments" USING btree ("model_id","environment","started_at");--> statement-breakpoint
CREATE INDEX "model_versions_run_idx" ON "model_versions" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "promotion_requests_open_key" ON "promotion_requests" USING btree ("version_id","environment") WHERE "promotion_requests"."status" in ('pending', 'blocked');--> statement-breakpoint
CREATE INDEX "promotion_requests_project_status_idx" ON "promotion_requests" USING btree ("project_id","status","requested_at");--> statement-breakpoint
CREATE INDEX "promotion_requests_requester_idx" ON "promotion_requests" USING btree ("requested_by","decided_at");--> statement-breakpoint
CREATE INDEX "registered_models_project_idx" ON "registered_models" USING btree ("project_id","name");