# Comum a páginas, e-mails e documentos.
# O nome do idioma no próprio idioma, como o seletor de idioma o mostra.
language-name = Português (Brasil)

# A página de referência da API /api/docs: seus títulos e rótulos (os textos das operações continuam em inglês).
apidocs-reference = Referência de { $title }
apidocs-skip = Pular para a referência
apidocs-version = versão { $version }
apidocs-contents = Conteúdo
apidocs-introduction = Introdução
apidocs-schemas = Esquemas
apidocs-errors = Códigos de erro
apidocs-language = Idioma
apidocs-base-path = Caminho base:
apidocs-document = O documento legível por máquina (OpenAPI 3.1), para gerar um cliente:
apidocs-no-key = Nenhuma chave de API necessária.
apidocs-parameters = Parâmetros
apidocs-name = Nome
apidocs-in = Local
apidocs-type = Tipo
apidocs-required = Obrigatório
apidocs-description = Descrição
apidocs-yes = sim
apidocs-no = não
apidocs-request-body = Corpo da requisição
apidocs-optional = (opcional)
apidocs-responses = Respostas
apidocs-status = Status
apidocs-body = Corpo
apidocs-meaning = Significado
apidocs-none = nenhum
apidocs-field = Campo
apidocs-always-present = Sempre presente
apidocs-errors-shape = Todo erro responde neste formato:
apidocs-errors-stable = O código é estável; a mensagem segue o cabeçalho Accept-Language.
apidocs-code = Código
apidocs-when = Quando
apidocs-english-note = As descrições de operações, campos e códigos de erro estão em inglês.
