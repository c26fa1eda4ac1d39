-- Issue 15, docs/adr/0055: the portal keeps each tenant (with its offered languages and logo
-- digest) in memory and checks it against this counter, read in the same statement as the
-- visitor's session. Every change to what the portal loads for a tenant moves the counter in the
-- same transaction: any UPDATE of the tenant's row, and any change of its portal settings or logo.
-- The counter is the tenant's own (no row shared by all tenants, no lock between them).
ALTER TABLE tenants ADD COLUMN settings_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION tenants_bump_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.settings_version := OLD.settings_version + 1;
    RETURN NEW;
END
$$;

CREATE TRIGGER tenants_settings_version
    BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_bump_settings_version();

-- portal_settings and tenant_logos: the tenant's row is touched, which moves its counter (above).
CREATE FUNCTION tenant_page_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE tenants SET settings_version = settings_version + 1 WHERE tenant_id = OLD.tenant_id;
    ELSE
        UPDATE tenants SET settings_version = settings_version + 1 WHERE tenant_id = NEW.tenant_id;
        IF TG_OP = 'UPDATE' AND OLD.tenant_id IS DISTINCT FROM NEW.tenant_id THEN
            UPDATE tenants SET settings_version = settings_version + 1 WHERE tenant_id = OLD.tenant_id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER portal_settings_version
    AFTER INSERT OR UPDATE OR DELETE ON portal_settings
    FOR EACH ROW EXECUTE FUNCTION tenant_page_settings_changed();

CREATE TRIGGER tenant_logos_version
    AFTER INSERT OR UPDATE OR DELETE ON tenant_logos
    FOR EACH ROW EXECUTE FUNCTION tenant_page_settings_changed();
