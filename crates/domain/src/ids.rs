//! Prefixed identifiers: `org_01JD…`, `usr_01JD…`. Ids of different kinds cannot be swapped,
//! and a string with the wrong prefix or a malformed body is rejected at the edge.

use crate::ValidationError;
use std::fmt;
use std::str::FromStr;

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(ulid::Ulid);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id; time-ordered, so newer ids sort after older ones.
            pub fn generate() -> Self {
                Self(ulid::Ulid::new())
            }

            /// Builds an id from its parts (used by generators that need deterministic ids).
            pub fn from_parts(millis: u64, random: u128) -> Self {
                Self(ulid::Ulid::from_parts(millis, random))
            }

            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                let body = s.strip_prefix(concat!($prefix, "_")).ok_or_else(|| {
                    ValidationError::new("id", concat!("not a valid ", $what, " id"))
                })?;
                if body.len() != 26 {
                    return Err(ValidationError::new(
                        "id",
                        concat!("not a valid ", $what, " id"),
                    ));
                }
                ulid::Ulid::from_string(&body.to_ascii_uppercase())
                    .map(Self)
                    .map_err(|_| ValidationError::new("id", concat!("not a valid ", $what, " id")))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}_{}", $prefix, self.0.to_string().to_ascii_lowercase())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

prefixed_id!(OrgId, "org", "organization");
prefixed_id!(UserId, "usr", "user");
prefixed_id!(ApiKeyId, "key", "API key");
prefixed_id!(SessionId, "ses", "session");
prefixed_id!(AuditId, "aud", "audit event");
prefixed_id!(RoleId, "rol", "role");
prefixed_id!(AssignmentId, "ras", "role assignment");
prefixed_id!(OverrideId, "pov", "permission override");
prefixed_id!(ProjectId, "prj", "project");
prefixed_id!(EmailId, "eml", "email");
prefixed_id!(AppId, "app", "application");
prefixed_id!(ProductId, "pdt", "product");
prefixed_id!(CourseId, "crs", "course");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_wrong_kind() {
        let id = OrgId::generate();
        let s = id.to_string();
        assert!(s.starts_with("org_"));
        assert_eq!(s.len(), 30);
        assert_eq!(OrgId::parse(&s).unwrap(), id);
        assert!(UserId::parse(&s).is_err());
        assert!(OrgId::parse("org_").is_err());
        assert!(OrgId::parse("org_!!!!!!!!!!!!!!!!!!!!!!!!!!").is_err());
        assert!(
            OrgId::parse(&s.to_uppercase()).is_err(),
            "prefix is case-sensitive"
        );
    }
}
prefixed_id!(EmailTemplateId, "etp", "email template");
