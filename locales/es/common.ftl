# Común a páginas, correos electrónicos y documentos.
# El nombre del idioma en el propio idioma, como lo muestra el selector de idioma.
language-name = Español

# La página de referencia de la API /api/docs: sus títulos y etiquetas (los textos de las operaciones siguen en inglés).
apidocs-reference = Referencia de { $title }
apidocs-skip = Ir a la referencia
apidocs-version = versión { $version }
apidocs-contents = Contenido
apidocs-introduction = Introducción
apidocs-schemas = Esquemas
apidocs-errors = Códigos de error
apidocs-language = Idioma
apidocs-base-path = Ruta base:
apidocs-document = El documento legible por máquina (OpenAPI 3.1), para generar un cliente:
apidocs-no-key = No hace falta clave de API.
apidocs-parameters = Parámetros
apidocs-name = Nombre
apidocs-in = Ubicación
apidocs-type = Tipo
apidocs-required = Obligatorio
apidocs-description = Descripción
apidocs-yes = sí
apidocs-no = no
apidocs-request-body = Cuerpo de la solicitud
apidocs-optional = (opcional)
apidocs-responses = Respuestas
apidocs-status = Estado
apidocs-body = Cuerpo
apidocs-meaning = Significado
apidocs-none = ninguno
apidocs-field = Campo
apidocs-always-present = Siempre presente
apidocs-errors-shape = Cada error responde con esta forma:
apidocs-errors-stable = El código es estable; el mensaje sigue la cabecera Accept-Language.
apidocs-code = Código
apidocs-when = Cuándo
apidocs-english-note = Las descripciones de operaciones, campos y códigos de error están en inglés.
